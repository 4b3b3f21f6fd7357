import { Code, TandemError } from '@tandem/protocol';
import { SpecError } from '../spec/spec-error.js';
import { RequestBodyError } from './json-body.js';

const STATUS: Partial<Record<Code, number>> = {
  [Code.NotFound]: 404,
  [Code.AlreadyExists]: 409,
  [Code.FailedPrecondition]: 409,
  [Code.InvalidArgument]: 422,
  [Code.Unavailable]: 503,
};

/** An error as Metronome answers it: status code and `{message, details?}` (`bodyLimit`: the server's, named in a 413). */
export function errorReply(err: unknown, bodyLimit?: number): { status: number; body: Record<string, unknown> } {
  const fastifyCode = (err as { code?: unknown }).code;
  if (fastifyCode === 'FST_ERR_CTP_BODY_TOO_LARGE') return errorReply(RequestBodyError.tooLarge(bodyLimit ?? 0));
  if (err instanceof RequestBodyError) {
    return { status: err.status, body: err.status === 400 ? { message: 'Invalid JSON', details: [{ path: '/', errors: [err.message] }] } : { message: err.message } };
  }
  if (typeof fastifyCode === 'string' && fastifyCode.startsWith('FST_ERR_CTP_')) {
    const status = (err as { statusCode?: number }).statusCode ?? 400;
    const message = err instanceof Error ? err.message : String(err);
    return { status, body: { message: status === 415 ? message : 'Invalid JSON', details: [{ path: '/', errors: [message] }] } };
  }
  if (err instanceof SpecError) return { status: 422, body: { message: err.message, details: err.details } };
  const e = TandemError.from(err);
  const status = STATUS[e.code] ?? 500;
  if (status === 422) return { status, body: { message: 'Object is not valid', details: [{ path: e.field ?? '/', errors: [e.message] }] } };
  return { status, body: { message: e.message } };
}
