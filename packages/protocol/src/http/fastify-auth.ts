import type { FastifyInstance } from 'fastify';
import type { Logger } from '../logger.js';
import { type HttpAuth, isMutating } from './http-auth.js';

/**
 * Puts `auth` in front of every route of `app` (an `onRequest` hook: a refused request
 * reaches no handler and reads no body). Mutating requests are logged with the principal.
 */
export function requireHttpAuth(app: FastifyInstance, auth: HttpAuth | undefined, logger: Logger | undefined): void {
  if (!auth?.enabled) return;
  app.addHook('onRequest', async (req, reply) => {
    const decision = auth.check(req.method, req.url, req.headers);
    if (!decision.ok) {
      logger?.warn({ method: req.method, url: req.url, status: decision.status, remote: req.ip }, 'HTTP request refused');
      return reply.code(decision.status).headers(decision.headers).send(decision.body);
    }
    if (isMutating(req.method)) logger?.info({ principal: decision.principal, method: req.method, url: req.url }, 'HTTP request');
  });
}
