import type { FastifyInstance, FastifyRequest } from 'fastify';
import { DEFAULT_HTTP_RATE_LIMIT } from '../api-limits.js';
import type { Logger } from '../logger.js';
import { describeRate, type RateLimit, TokenBuckets } from '../token-buckets.js';
import { requestPrincipal } from './fastify-auth.js';

export { DEFAULT_HTTP_RATE_LIMIT };

/** Paths never rate-limited: health checks must be answered under a flood. */
export const RATE_EXEMPT_PATHS: ReadonlySet<string> = new Set(['/health', '/ping']);

export interface HttpRateLimitOptions {
  /** @default DEFAULT_HTTP_RATE_LIMIT; `false` turns the limit off */
  rate?: RateLimit | false;
  /** The authenticated principal of a request, if any (keys its bucket; else the client's IP address). @default `requestPrincipal` (what `requireHttpAuth` recorded) */
  principalOf?: (req: FastifyRequest) => string | undefined;
  /** @default RATE_EXEMPT_PATHS */
  exempt?: Iterable<string>;
  logger?: Logger | undefined;
}

/** Shed requests are logged at most this often per server (a flood must not flood the log). */
const LOG_EVERY_MS = 5_000;

/**
 * Sheds requests beyond a rate per principal (per IP address for anonymous requests) with
 * 429, `Retry-After` (whole seconds) and a JSON message naming the limit, before the body
 * is read or any route runs. Add it after `requireHttpAuth`, so the principal is known
 * (a principal from credentials or a client certificate has its own bucket, whatever its
 * address). Health paths are exempt.
 */
export function limitHttpRate(app: FastifyInstance, options: HttpRateLimitOptions = {}): TokenBuckets | undefined {
  if (options.rate === false) return undefined;
  const buckets = new TokenBuckets(options.rate ?? DEFAULT_HTTP_RATE_LIMIT);
  const exempt = new Set(options.exempt ?? RATE_EXEMPT_PATHS);
  const principalOf = options.principalOf ?? ((req: FastifyRequest) => requestPrincipal(req.raw));
  const rate = describeRate(buckets.limit);
  let shed = 0;
  let loggedAt = -Infinity;
  app.addHook('onRequest', async (req, reply) => {
    const q = req.url.indexOf('?');
    if (exempt.has(q < 0 ? req.url : req.url.slice(0, q))) return;
    const principal = principalOf(req);
    const waitMs = buckets.take(principal === undefined ? `ip:${req.ip}` : `p:${principal}`);
    if (waitMs === 0) return;
    shed += 1;
    const now = performance.now();
    if (now - loggedAt >= LOG_EVERY_MS) {
      loggedAt = now;
      options.logger?.warn({ principal, remote: req.ip, shed, rate }, 'HTTP requests shed: over the rate limit');
    }
    const who = principal === undefined ? `address ${req.ip}` : `principal ${principal}`;
    return reply
      .code(429)
      .header('retry-after', String(Math.max(1, Math.ceil(waitMs / 1000))))
      .send({ message: `too many requests from ${who}: the limit is ${rate} (--http-rate-limit); retry after ${waitMs} ms` });
  });
  return buckets;
}
