import { DEFAULT_CALL_LIMITS } from '@tandem/master/defaults';
import { DEFAULT_HTTP_RATE_LIMIT, MAX_GRPC_MESSAGE_BYTES, type RateLimit, ValidationError } from '@tandem/protocol';
import type { Command, Option } from 'commander';
import { z } from 'zod';
import { flag } from './flag-option.js';
import { parseRateLimit } from './rate-limit-flag.js';
import { bytes, count } from './schemas.js';

const rateText = (r: { count: number; perMs: number }): string => `${r.count}/${r.perMs % 1000 === 0 ? `${r.perMs / 1000}s` : `${r.perMs}ms`}`;

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

/** The limits against denial of service of `tandem master` (MasterOptions.limits), with their defaults in --help. */
export function addLimitFlags(cmd: Command): Command {
  const d = DEFAULT_CALL_LIMITS;
  return cmd
    .addOption(
      flag(
        '--rate-limit <N/DURATION|off>',
        'gRPC calls (Scheduler.Call, Operator.*) per principal (per host when anonymous); more are refused RESOURCE_EXHAUSTED with a retry-after-ms trailer',
        rateText(d.callRate),
      ),
    )
    .addOption(flag('--rate-burst <n>', 'calls a principal may make at once above --rate-limit', d.callRate.burst))
    .addOption(
      flag(
        '--stream-rate-limit <N/DURATION|off>',
        'gRPC streams opened (agents connecting, frameworks subscribing, watches) per principal (per host when anonymous)',
        rateText(d.streamRate),
      ),
    )
    .addOption(flag('--stream-burst <n>', 'streams a principal may open at once above --stream-rate-limit', d.streamRate.burst))
    .addOption(flag('--max-streams-per-principal <n>', 'gRPC streams one principal (or anonymous host) may hold open at once', d.maxStreams))
    .addOption(flag('--max-agents-per-principal <n>', 'agents one principal (or anonymous host) may have connected at once', d.maxAgents))
    .addOption(flag('--max-frameworks-per-principal <n>', 'frameworks one principal (or anonymous host) may have subscribed at once', d.maxFrameworks))
    .addOption(httpRateFlags('/health')[0] as Option)
    .addOption(httpRateFlags('/health')[1] as Option)
    .addOption(
      flag('--max-message-bytes <n>', 'largest gRPC message the master receives or sends; a larger one is RESOURCE_EXHAUSTED', MAX_GRPC_MESSAGE_BYTES),
    );
}

/** `--http-rate-limit` and `--http-rate-burst` of an HTTP API whose health path is `health`. */
export function httpRateFlags(health: string): [Option, Option] {
  return [
    flag(
      '--http-rate-limit <N/DURATION|off>',
      `HTTP API requests per principal (per IP address when anonymous); more are 429 with Retry-After; ${health} is exempt`,
      rateText(DEFAULT_HTTP_RATE_LIMIT),
    ),
    flag('--http-rate-burst <n>', 'HTTP requests a client may send at once above --http-rate-limit', DEFAULT_HTTP_RATE_LIMIT.burst),
  ];
}

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
