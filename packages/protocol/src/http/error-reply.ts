import { TandemError, ValidationError } from '../errors.js';
import { type HttpStatusOverrides, httpStatusOf } from './http-status.js';
import { RequestBodyError } from './json-body.js';

/** A REST error answer: the status and the JSON body. */
export interface ErrorReply {
  status: number;
  body: { message: string; [key: string]: unknown };
}

export interface ErrorReplyOptions {
  /** The API's statuses where they differ from `HTTP_STATUS` (`METRONOME_STATUS`). */
  overrides?: HttpStatusOverrides;
  /** The server's body limit, named in a 413. */
  bodyLimit?: number;
}

/**
 * Any error as the apps (Marathon) and jobs (Metronome) APIs answer it, both of which
 * speak `{message, details?}`: 413/415 for bodies refused unread, 400 `Invalid JSON`
 * with the parser's message, 422 with every field for a ValidationError, fastify's own
 * 4xx as they are, and every other error by its code (`httpStatusOf`). A 422 from a code
 * (Metronome's bad input) names the error's field in `details` too.
 */
export function errorReply(err: unknown, options: ErrorReplyOptions = {}): ErrorReply {
  const fastify = err as { code?: unknown; statusCode?: unknown; message?: unknown };
  if (fastify.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return errorReply(RequestBodyError.tooLarge(options.bodyLimit), options);
  if (err instanceof RequestBodyError) {
    return err.status === 400
      ? { status: 400, body: { message: 'Invalid JSON', details: [{ path: '/', errors: [err.message] }] } }
      : { status: err.status, body: { message: err.message } };
  }
  if (err instanceof ValidationError) return { status: 422, body: { message: err.message, details: err.details } };
  if (!(err instanceof TandemError) && typeof fastify.statusCode === 'number' && fastify.statusCode < 500) {
    return { status: fastify.statusCode, body: { message: typeof fastify.message === 'string' ? fastify.message : 'Bad request' } };
  }
  const e = TandemError.from(err);
  const status = httpStatusOf(e.code, options.overrides);
  if (status === 422) return { status, body: { message: 'Object is not valid', details: [{ path: e.field ?? '/', errors: [e.message] }] } };
  return { status, body: { message: e.message } };
}
