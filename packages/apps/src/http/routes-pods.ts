import type { FastifyInstance, FastifyReply } from 'fastify';

/** The message of every /v2/pods answer. */
export const PODS_NOT_SUPPORTED =
  'pods (/v2/pods: several containers as one task group on one agent) are not supported yet; they are planned for a later issue. Run each container as an app, and colocate them with constraints if needed';

/**
 * Marathon's pods API: `/v2/pods` and everything under it answer 501 Not Implemented with
 * a JSON message saying so, for every method, so that a client learns it at once instead
 * of reading a 404 as "no such pod".
 */
export function podRoutes(http: FastifyInstance): void {
  const notImplemented = async (_req: unknown, reply: FastifyReply) => reply.code(501).send({ message: PODS_NOT_SUPPORTED });
  for (const url of ['/v2/pods', '/v2/pods/*']) {
    http.route({ method: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'], url, handler: notImplemented });
  }
}
