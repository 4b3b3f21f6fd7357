import type { FastifyInstance } from 'fastify';
import { ValidationError } from '../errors.js';

/** The methods and request headers a preflight is told are allowed. */
const ALLOW_METHODS = 'GET, HEAD, POST, PUT, PATCH, DELETE';
const ALLOW_HEADERS = 'authorization, content-type';

/**
 * `--cors-origin` values: each `*` or an origin (`scheme://host[:port]`, no path). A bad
 * one is a ValidationError naming `source`.
 */
export function parseCorsOrigins(values: readonly string[], source: string): string[] {
  const out: string[] = [];
  for (const raw of values.flatMap((v) => v.split(','))) {
    const v = raw.trim();
    if (v === '') continue;
    if (v === '*') {
      out.push(v);
      continue;
    }
    let url: URL;
    try {
      url = new URL(v);
    } catch {
      throw new ValidationError(source, `${JSON.stringify(v)} is not an origin: expected * or scheme://host[:port], e.g. https://ui.example`);
    }
    if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.origin !== v.replace(/\/$/, '')) {
      throw new ValidationError(source, `${JSON.stringify(v)} is not an origin: expected * or scheme://host[:port] with no path, e.g. https://ui.example`);
    }
    out.push(url.origin);
  }
  return out;
}

/**
 * Cross-origin requests from browsers (CORS), off unless origins are given: with none,
 * nothing is added (a browser refuses cross-origin reads, as the same-origin policy
 * wants). With some, a request whose `Origin` is listed (or any, with `*`) gets
 * `Access-Control-Allow-Origin` naming it, and a preflight (`OPTIONS` with
 * `Access-Control-Request-Method`) is answered 204 before authentication (a browser
 * sends no credentials with it); the real request is authenticated as any other.
 * Register it before `requireHttpAuth`.
 */
export function allowCors(app: FastifyInstance, origins: readonly string[] | undefined): void {
  if (!origins || origins.length === 0) return;
  const any = origins.includes('*');
  const listed = new Set(origins);
  app.addHook('onRequest', async (req, reply) => {
    const origin = req.headers.origin;
    if (origin === undefined) return;
    reply.header('vary', 'Origin');
    if (!any && !listed.has(origin)) return;
    reply.header('access-control-allow-origin', any ? '*' : origin);
    if (!any) reply.header('access-control-allow-credentials', 'true');
    if (req.method === 'OPTIONS' && req.headers['access-control-request-method'] !== undefined) {
      return reply
        .code(204)
        .header('access-control-allow-methods', ALLOW_METHODS)
        .header('access-control-allow-headers', ALLOW_HEADERS)
        .header('access-control-max-age', '600')
        .send();
    }
  });
}
