import { Code, TandemError } from '@tandem/protocol';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { AppValidationError, MalformedJsonError, UnsupportedMediaTypeError } from '../app/app-validation-error.js';
import { AppLockedError } from '../core/app-locked-error.js';
import { bodyTooLargeMessage } from './json-body.js';

const STATUS: Partial<Record<Code, number>> = {
  [Code.InvalidArgument]: 400,
  [Code.NotFound]: 404,
  [Code.AlreadyExists]: 409,
  [Code.FailedPrecondition]: 409,
  [Code.Aborted]: 409,
  [Code.PermissionDenied]: 403,
  [Code.Unavailable]: 503,
};

/** Maps every error to Marathon's status codes and JSON bodies (`bodyLimit`: the server's, named in a 413). */
export function sendError(err: unknown, _req: FastifyRequest, reply: FastifyReply, bodyLimit?: number): FastifyReply {
  if ((err as Partial<FastifyError>).code === 'FST_ERR_CTP_BODY_TOO_LARGE') return reply.code(413).send({ message: bodyTooLargeMessage(bodyLimit) });
  if (err instanceof UnsupportedMediaTypeError) return reply.code(415).send({ message: err.message });
  if (err instanceof AppValidationError) return reply.code(422).send({ message: err.message, details: err.details });
  if (err instanceof MalformedJsonError) return reply.code(400).send({ message: 'Invalid JSON', details: [{ path: '/', errors: [err.message] }] });
  if (err instanceof AppLockedError) return reply.code(409).send({ message: err.message, deployments: err.deploymentIds.map((id) => ({ id })) });
  if (err instanceof TandemError) return reply.code(STATUS[err.code] ?? 500).send({ message: err.message });
  const fe = err as Partial<FastifyError>;
  if (typeof fe.statusCode === 'number' && fe.statusCode < 500) return reply.code(fe.statusCode).send({ message: fe.message ?? 'Bad request' });
  reply.log.error({ err }, 'request failed');
  return reply.code(500).send({ message: err instanceof Error ? err.message : String(err) });
}
