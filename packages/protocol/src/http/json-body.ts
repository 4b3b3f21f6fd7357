import type { FastifyInstance } from 'fastify';
import { Code, TandemError, ValidationError } from '../errors.js';
import { jsonPointer } from './zod-details.js';

/** A request body refused before it is read as a document: 400 (not JSON), 413 (over the limit) or 415 (not a JSON type). */
export class RequestBodyError extends TandemError {
  override readonly name = 'RequestBodyError';
  constructor(
    readonly status: 400 | 413 | 415,
    message: string,
  ) {
    super(Code.InvalidArgument, message, { field: '/' });
  }

  static tooLarge(limit: number | undefined): RequestBodyError {
    return new RequestBodyError(413, `Request body too large: the limit is ${limit ?? 'set by the server'} bytes (maxBodyBytes, --max-body-bytes)`);
  }
}

/** `application/json`, or a `+json` type, with any parameters (`; charset=utf-8`). */
export function isJsonMediaType(contentType: string | undefined): boolean {
  const type = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  return type === 'application/json' || /^application\/[a-z0-9.+-]+\+json$/.test(type);
}

/**
 * Where a parsed document holds a key that would reach an object's prototype when copied
 * with plain assignment: `__proto__`, or `constructor` holding `prototype` (what fastify's
 * own parser, secure-json-parse, refuses). JSON.parse keeps such keys as own properties, and
 * a zod record silently leaves a `__proto__` key out, so a label or env entry under it was
 * accepted and dropped. Undefined when there is none.
 */
export function prototypeKeyPath(value: unknown, path: (string | number)[] = []): (string | number)[] | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  for (const [key, child] of Object.entries(value)) {
    const at = [...path, Array.isArray(value) ? Number(key) : key];
    if (key === '__proto__') return at;
    if (key === 'constructor' && child !== null && typeof child === 'object' && Object.hasOwn(child, 'prototype')) return at;
    const inner = prototypeKeyPath(child, at);
    if (inner) return inner;
  }
  return undefined;
}

/**
 * The one body parser of the apps and jobs APIs. An empty body is no body whatever its
 * content type (a POST that takes none, such as `/restart` or `POST /v1/jobs/{id}/runs`,
 * works with `content-type: application/json` and nothing sent, which fastify's own JSON
 * parser refuses); a non-empty body must be JSON (else 415) and parse (else 400), and hold
 * no `__proto__` key (nor `constructor.prototype`) at any depth (else 422 naming where).
 * Bodies over the server's bodyLimit never get here: fastify refuses them with 413.
 */
export function acceptJsonBodies(http: FastifyInstance): void {
  http.removeAllContentTypeParsers();
  http.addContentTypeParser('*', { parseAs: 'string' }, (req, body, done) => {
    const text = body.toString();
    if (text.trim() === '') {
      done(null, undefined);
      return;
    }
    const type = req.headers['content-type'];
    if (!isJsonMediaType(type)) {
      done(new RequestBodyError(415, `Unsupported Media Type: ${type ?? 'none given'}; send the body as application/json`));
      return;
    }
    let doc: unknown;
    try {
      doc = JSON.parse(text);
    } catch (err) {
      done(new RequestBodyError(400, err instanceof Error ? err.message : String(err)));
      return;
    }
    const proto = prototypeKeyPath(doc);
    if (proto) {
      done(ValidationError.of(jsonPointer(proto), `"${proto[proto.length - 1]}" is not allowed as a key (it would reach the prototype of an object)`));
      return;
    }
    done(null, doc);
  });
}
