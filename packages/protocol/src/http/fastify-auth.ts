import type { IncomingMessage } from 'node:http';
import type { FastifyInstance } from 'fastify';
import type { Logger } from '../logger.js';
import { HttpAuth, isMutating } from './http-auth.js';
import { requestCertificatePrincipal } from './https-server.js';

const principals = new WeakMap<IncomingMessage, string>();
/** Requests already authenticated by the HA front of the same process (not checked again). */
const checked = new WeakSet<IncomingMessage>();

/** The principal a request was authenticated as (credentials or client certificate), once `requireHttpAuth` (or the HA front) has checked it. */
export function requestPrincipal(req: IncomingMessage): string | undefined {
  return principals.get(req);
}

/**
 * Records the principal of a request, authenticated (the HA front does, before handing it
 * to the service in the same process, whose `requireHttpAuth` then does not check it again).
 */
export function setRequestPrincipal(req: IncomingMessage, principal: string | undefined): void {
  checked.add(req);
  if (principal === undefined) principals.delete(req);
  else principals.set(req, principal);
}

const OPEN = new HttpAuth();

/**
 * Puts `auth` in front of every route of `app` (an `onRequest` hook: a refused request
 * reaches no handler and reads no body) and records each request's principal
 * (`requestPrincipal`): its credentials', else its client certificate's. Mutating
 * requests are logged with the principal. Without credentials configured every request
 * passes, with the principal of its certificate if it came with one.
 */
export function requireHttpAuth(app: FastifyInstance, auth: HttpAuth | undefined, logger: Logger | undefined): void {
  const checker = auth ?? OPEN;
  app.addHook('onRequest', async (req, reply) => {
    if (checked.has(req.raw)) return;
    const decision = checker.check(req.method, req.url, req.headers, requestCertificatePrincipal(req.raw));
    if (!decision.ok) {
      logger?.warn({ method: req.method, url: req.url, status: decision.status, remote: req.ip }, 'HTTP request refused');
      return reply.code(decision.status).headers(decision.headers).send(decision.body);
    }
    if (decision.principal !== undefined) principals.set(req.raw, decision.principal);
    if (isMutating(req.method) && checker.enabled) logger?.info({ principal: decision.principal, method: req.method, url: req.url }, 'HTTP request');
  });
}
