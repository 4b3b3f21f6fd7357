import type { FastifyInstance } from 'fastify';
import { MalformedJsonError, UnsupportedMediaTypeError } from '../app/app-validation-error.js';

/** `application/json`, or a `+json` type, with any parameters (`; charset=utf-8`). */
export function isJsonMediaType(contentType: string | undefined): boolean {
  const type = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  return type === 'application/json' || /^application\/[a-z0-9.+-]+\+json$/.test(type);
}

/** The 413's message, naming the limit. */
export function bodyTooLargeMessage(limit: number | undefined): string {
  return `Request body too large: the limit is ${limit ?? 'set by the server'} bytes (maxBodyBytes, --max-body-bytes)`;
}

/**
 * The one body parser of the API. An empty body is no body whatever its content type
 * (a POST that takes none, such as `/restart`, works with `content-type: application/json`
 * or any other); a non-empty body must be JSON (else 415) and parse (else 400). Bodies
 * over the server's bodyLimit never get here: fastify refuses them with 413.
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
      done(new UnsupportedMediaTypeError(type));
      return;
    }
    try {
      done(null, JSON.parse(text));
    } catch (err) {
      done(new MalformedJsonError(err instanceof Error ? err.message : String(err)));
    }
  });
}
