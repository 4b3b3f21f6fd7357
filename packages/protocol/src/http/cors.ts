import type { IncomingHttpHeaders } from 'node:http';
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

/** What CORS adds to one request's answer: headers, and whether it is a preflight to answer 204 at once. */
export interface CorsAnswer {
  headers: Record<string, string>;
  preflight: boolean;
}

/**
 * The CORS part of the answer to a request with these `origins` allowed (none: nothing,
 * CORS off). A request whose `Origin` is listed (or any, with `*`) gets
 * `Access-Control-Allow-Origin` naming it; a preflight (`OPTIONS` with
 * `Access-Control-Request-Method`) from such an origin is to be answered 204 before
 * authentication (a browser sends no credentials with it).
 */
export function corsAnswer(origins: readonly string[] | undefined, method: string, headers: IncomingHttpHeaders): CorsAnswer {
  const origin = headers.origin;
  if (!origins || origins.length === 0 || origin === undefined) return { headers: {}, preflight: false };
  const any = origins.includes('*');
  if (!any && !origins.includes(origin)) return { headers: { vary: 'Origin' }, preflight: false };
  const out: Record<string, string> = { vary: 'Origin', 'access-control-allow-origin': any ? '*' : origin };
  if (!any) out['access-control-allow-credentials'] = 'true';
  const preflight = method === 'OPTIONS' && headers['access-control-request-method'] !== undefined;
  if (preflight) {
    out['access-control-allow-methods'] = ALLOW_METHODS;
    out['access-control-allow-headers'] = ALLOW_HEADERS;
    out['access-control-max-age'] = '600';
  }
  return { headers: out, preflight };
}

/**
 * Cross-origin requests from browsers (CORS) on a fastify API, off unless origins are
 * given: with none, nothing is added (a browser refuses cross-origin reads, as the
 * same-origin policy wants). With some, `corsAnswer` decides; a preflight is answered 204
 * before authentication, the real request is authenticated as any other. Register it
 * before `requireHttpAuth`.
 */
export function allowCors(app: FastifyInstance, origins: readonly string[] | undefined): void {
  if (!origins || origins.length === 0) return;
  app.addHook('onRequest', async (req, reply) => {
    const cors = corsAnswer(origins, req.method, req.headers);
    reply.headers(cors.headers);
    if (cors.preflight) return reply.code(204).send();
  });
}
