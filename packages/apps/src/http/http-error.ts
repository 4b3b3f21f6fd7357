import { errorReply } from '@tandem/protocol';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppLockedError } from '../core/app-locked-error.js';

/** Maps every error to Marathon's status codes and JSON bodies (`bodyLimit`: the server's, named in a 413); a locked app's 409 lists its deployments. */
export function sendError(err: unknown, _req: FastifyRequest, reply: FastifyReply, bodyLimit?: number): FastifyReply {
  if (err instanceof AppLockedError) return reply.code(409).send({ message: err.message, deployments: err.deploymentIds.map((id) => ({ id })) });
  const { status, body } = errorReply(err, { bodyLimit });
  if (status >= 500) reply.log.error({ err }, 'request failed');
  return reply.code(status).send(body);
}
