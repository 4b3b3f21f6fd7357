import { describe, expect, it } from 'vitest';
import { limitsFrom, limitsSchema } from './limit-flags.js';
import { runCli } from './test-support/run-cli.js';

// tandem master's limits against denial of service: in --help with their defaults; bad values fail naming the flag.

const run = runCli;

const DEFAULTS = {
  rateLimit: '1000/1s',
  rateBurst: '2000',
  streamRateLimit: '2000/1s',
  streamBurst: '20000',
  maxStreamsPerPrincipal: '25000',
  maxAgentsPerPrincipal: '20000',
  maxFrameworksPerPrincipal: '1000',
  httpRateLimit: '1000/1s',
  httpRateBurst: '2000',
  maxMessageBytes: String(64 * 1024 * 1024),
};

describe('tandem master limit flags', () => {
  it('limit flags - --help lists every limit with its env var and default', async () => {
    const { out } = await run('master', '--help');
    const flat = out.replace(/\s+/g, ' ');
    for (const f of [
      '--rate-limit <N/DURATION|off>',
      'TANDEM_RATE_LIMIT',
      'default: 1000/1s',
      '--rate-burst',
      '--stream-rate-limit',
      '--stream-burst',
      '--max-streams-per-principal',
      '--max-agents-per-principal',
      '--max-frameworks-per-principal',
      '--http-rate-limit',
      'TANDEM_HTTP_RATE_LIMIT',
      '--http-rate-burst',
      '--max-message-bytes',
      'default: 67108864',
    ])
      expect(flat).toContain(f);
  });

  it('limit flags - the defaults and off parse into MasterOptions.limits', () => {
    const limits = limitsFrom(limitsSchema.parse(DEFAULTS));
    expect(limits).toEqual({
      callRate: { count: 1000, perMs: 1000, burst: 2000 },
      streamRate: { count: 2000, perMs: 1000, burst: 20_000 },
      maxStreams: 25_000,
      maxAgents: 20_000,
      maxFrameworks: 1_000,
      httpRate: { count: 1000, perMs: 1000, burst: 2000 },
      maxMessageBytes: 64 * 1024 * 1024,
    });
    expect(limitsFrom(limitsSchema.parse({ ...DEFAULTS, rateLimit: 'off', httpRateLimit: 'OFF' }))).toMatchObject({ callRate: false, httpRate: false });
  });

  it('limit flags - a malformed rate or a zero cap stops the master naming the flag', async () => {
    const bad = await run('master', '--port', '0', '--http-port', '-1', '--rate-limit', 'lots');
    expect(bad.code).toBe(1);
    expect(bad.err).toContain('--rate-limit (TANDEM_RATE_LIMIT): must be N/DURATION');
    const zero = await run('master', '--port', '0', '--http-port', '-1', '--max-agents-per-principal', '0');
    expect(zero.code).toBe(1);
    expect(zero.err).toMatch(/max-agents-per-principal.*must be a whole number >= 1/);
    const small = await run('master', '--port', '0', '--http-port', '-1', '--max-message-bytes', '10');
    expect(small.err).toContain('--max-message-bytes (TANDEM_MAX_MESSAGE_BYTES): must be at least 1024 bytes, got 10');
  });

  it('limit flags - tandem apps serve and tandem jobs serve take --http-rate-limit and --http-rate-burst; a bad rate stops them naming the flag', async () => {
    for (const service of ['apps', 'jobs']) {
      const help = (await run(service, 'serve', '--help')).out.replace(/\s+/g, ' ');
      expect(help).toContain(
        '--http-rate-limit <N/DURATION|off> HTTP API requests per principal (per IP address when anonymous); more are 429 with Retry-After; /ping is exempt (default: 1000/1s, env: TANDEM_HTTP_RATE_LIMIT)',
      );
      expect(help).toContain('--http-rate-burst');
      const bad = await run(service, 'serve', '--master', '127.0.0.1:1', '--port', '0', '--http-rate-limit', '5 per second');
      expect(bad.code).toBe(1);
      expect(bad.err).toContain('--http-rate-limit (TANDEM_HTTP_RATE_LIMIT): must be N/DURATION');
    }
  });

  it('limit flags - tandem agent takes --http-rate-limit and --http-rate-burst for its HTTP API; a bad rate stops it naming the flag', async () => {
    const help = (await run('agent', '--help')).out.replace(/\s+/g, ' ');
    expect(help).toContain('HTTP API requests per principal (per IP address when anonymous); more are 429 with Retry-After; /health is exempt');
    expect(help).toContain('--http-rate-burst');
    const bad = await run('agent', '--master', '127.0.0.1:1', '--http-rate-limit', '10');
    expect(bad.code).toBe(1);
    expect(bad.err).toContain('--http-rate-limit (TANDEM_HTTP_RATE_LIMIT): must be N/DURATION');
  });
});
