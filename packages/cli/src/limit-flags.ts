import { type RateLimit, ValidationError } from '@tandem/protocol';
import { z } from 'zod';
import { parseRateLimit } from './rate-limit-flag.js';
import { bytes, count } from './schemas.js';

export const limitsSchema = z.object({
  rateLimit: z.string(),
  rateBurst: count(),
  streamRateLimit: z.string(),
  streamBurst: count(),
  maxStreamsPerPrincipal: count(),
  maxAgentsPerPrincipal: count(),
  maxFrameworksPerPrincipal: count(),
  httpRateLimit: z.string(),
  httpRateBurst: count(),
  maxMessageBytes: bytes(),
});

export const httpRateSchema = z.object({ httpRateLimit: z.string(), httpRateBurst: count() });

/** `{ httpRateLimit }` for ServiceFrameworkOptions (tandem apps serve, tandem jobs serve); a malformed rate is a ValidationError naming the flag. */
export function httpRateOption(o: z.output<typeof httpRateSchema>): { httpRateLimit: RateLimit | false } {
  return { httpRateLimit: rate(o.httpRateLimit, o.httpRateBurst, '--http-rate-limit (TANDEM_HTTP_RATE_LIMIT)') };
}

function rate(text: string, burst: number, field: string): RateLimit | false {
  if (text.trim().toLowerCase() === 'off') return false;
  return { ...parseRateLimit(text, field), burst };
}

/** MasterOptions.limits from the flags; a malformed rate is a ValidationError naming its flag. */
export function limitsFrom(o: z.output<typeof limitsSchema>): {
  callRate: RateLimit | false;
  streamRate: RateLimit | false;
  maxStreams: number;
  maxAgents: number;
  maxFrameworks: number;
  httpRate: RateLimit | false;
  maxMessageBytes: number;
} {
  if (o.maxMessageBytes < 1024)
    throw new ValidationError('--max-message-bytes (TANDEM_MAX_MESSAGE_BYTES)', `must be at least 1024 bytes, got ${o.maxMessageBytes}`);
  return {
    callRate: rate(o.rateLimit, o.rateBurst, '--rate-limit (TANDEM_RATE_LIMIT)'),
    streamRate: rate(o.streamRateLimit, o.streamBurst, '--stream-rate-limit (TANDEM_STREAM_RATE_LIMIT)'),
    maxStreams: o.maxStreamsPerPrincipal,
    maxAgents: o.maxAgentsPerPrincipal,
    maxFrameworks: o.maxFrameworksPerPrincipal,
    httpRate: rate(o.httpRateLimit, o.httpRateBurst, '--http-rate-limit (TANDEM_HTTP_RATE_LIMIT)'),
    maxMessageBytes: o.maxMessageBytes,
  };
}
