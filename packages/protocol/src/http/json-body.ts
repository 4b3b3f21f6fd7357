import type { FastifyInstance } from 'fastify';
import { Code, TandemError } from '../errors.js';

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
 * The one body parser of the apps and jobs APIs. An empty body is no body whatever its
 * content type (a POST that takes none, such as `/restart` or `POST /v1/jobs/{id}/runs`,
 * works with `content-type: application/json` and nothing sent, which fastify's own JSON
 * parser refuses); a non-empty body must be JSON (else 415) and parse (else 400). Bodies
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
      done(new RequestBodyError(415, `Unsupported Media Type: ${type ?? 'none given'}; send the body as application/json`));
      return;
    }
    try {
      done(null, JSON.parse(text));
    } catch (err) {
      done(new RequestBodyError(400, err instanceof Error ? err.message : String(err)));
    }
  });
}
