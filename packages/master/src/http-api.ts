import {
  allowCors,
  DEFAULT_MAX_BODY_BYTES,
  fastifyServerOptions,
  type HttpAuth,
  httpStatusOf,
  type Logger,
  limitHttpRate,
  requestPrincipal,
  requireHttpAuth,
  TandemError,
  type TlsFiles,
  ValidationError,
} from '@tandem/protocol';
import { UI_DIR } from '@tandem/ui';
import Fastify, { type FastifyReply } from 'fastify';
import { EventStreams } from './event-stream.js';
import { LogStreams } from './log-stream.js';
import type { MasterOperations } from './master-operations.js';
import { addOperatorRoutes } from './operator-routes.js';
import { checkQuotaConfigs, parseRestBody, quotaBodySchema, weightsBodySchema } from './role-config-check.js';
import { clusterStateJson } from './state-view.js';
import { uiRoutes } from './ui-api.js';
import type { UiLinks } from './ui-links.js';
import { serviceProxyRoutes } from './ui-service-proxy.js';
import { uiStaticRoutes } from './ui-static.js';
import { UtilisationHistory } from './utilisation-history.js';

export interface HttpApi {
  port: number;
  close(): Promise<void>;
}

/** Sends an error as `{ message, field }` with the HTTP status of its code (`httpStatusOf`). */
function sendError(reply: FastifyReply, err: unknown): FastifyReply {
  const e = TandemError.from(err);
  return reply.code(httpStatusOf(e.code)).send({ message: e.message, field: e.field });
}

/** Paths of the master's HTTP API answered without credentials (load balancers' health checks). */
export const MASTER_OPEN_PATHS: readonly string[] = ['/health'];

export interface HttpApiOptions {
  /** Serve HTTPS only, with the gRPC port's files (client certificates asked for, optional). @default plaintext */
  tls?: TlsFiles;
  /** Credentials every path but `MASTER_OPEN_PATHS` needs (`--http-credentials`...). @default none: open */
  auth?: HttpAuth;
  /** Origins allowed cross-origin requests (`--cors-origin`). @default none: CORS off */
  corsOrigins?: readonly string[];
  logger?: Logger;
  /** The apps and jobs APIs the web UI reaches (read at each request: set once they are up). */
  uiLinks?: UiLinks;
  /** The built web UI. @default `@tandem/ui`'s `UI_DIR` */
  uiDir?: string;
}

/** The master's HTTP side: JSON state, task logs and a health check. */
export async function startHttpApi(master: MasterOperations, host: string, port: number, options: HttpApiOptions = {}): Promise<HttpApi> {
  // PUT bodies (weights, quotas) over the frameworks' limit get fastify's 413 (its default is the same 1 MiB; named so it stays so).
  const app = Fastify(fastifyServerOptions({ logger: false, bodyLimit: DEFAULT_MAX_BODY_BYTES }, options.tls));
  allowCors(app, options.corsOrigins);
  requireHttpAuth(app, options.auth?.with({ openPaths: MASTER_OPEN_PATHS }), options.logger);
  // Each client's requests beyond its rate are shed with 429 (`/health` is exempt, answered under a flood).
  limitHttpRate(app, {
    ...(master.callLimits.httpRate === undefined ? {} : { rate: master.callLimits.httpRate }),
    principalOf: (req) => requestPrincipal(req.raw),
    logger: master.callLimits.log,
  });
  // A master that does not lead (an HA standby) sends every request but these to the leader: 307, same method and body.
  app.addHook('onRequest', async (req, reply) => {
    const path = req.url.split('?')[0];
    if (path === '/health' || path === '/api/v1/leader' || path === '/metrics') return;
    const refusal = master.refusal();
    if (!refusal) return;
    const leader = master.leaderInfo().leader;
    if (leader?.http && leader.id !== master.masterId)
      return reply.code(307).header('location', `${leader.http}${req.url}`).send({ message: refusal.message, leader });
    return reply.code(503).send({ message: refusal.message });
  });
  app.get('/health', async (_req, reply) => {
    const failure = master.registryFailure();
    if (failure) return reply.code(503).send({ status: 'registry-failed', masterId: master.masterId, message: failure.message });
    const { leading, leader } = master.leaderInfo();
    if (!leading) return { status: 'standby', masterId: master.masterId, leader };
    return { status: 'ok', masterId: master.masterId };
  });
  // Every master answers who leads (Marathon's /v2/leader, Mesos' /master/redirect).
  app.get('/api/v1/leader', async (_req, reply) => {
    const info = master.leaderInfo();
    return reply.code(info.leader ? 200 : 503).send(info);
  });
  // The state as the caller may see it: frameworks, tasks and offers of the frameworks the `view` ACL gives it.
  app.get('/api/v1/state', async (req) => visibleStateJson(master, requestPrincipal(req.raw)));
  // Role weights and quotas: GET lists them, PUT updates many roles at once, all or nothing
  // (the bodies are UpdateWeightsRequest / UpdateQuotaRequest as JSON).
  app.get('/api/v1/weights', async () => ({ weights: master.roleConfig.listWeights() }));
  app.put('/api/v1/weights', async (req, reply) => {
    try {
      const { weights } = parseRestBody(weightsBodySchema, req.body);
      const principal = requestPrincipal(req.raw);
      for (const [i, w] of weights.entries()) master.auth.authorize('update_weights', principal, w.role, `weights[${i}].role`);
      return { weights: await master.roleConfig.updateWeights(weights) };
    } catch (err) {
      return sendError(reply, err);
    }
  });
  app.get('/api/v1/quota', async () => ({ quotas: master.roleConfig.listQuotas() }));
  app.put('/api/v1/quota', async (req, reply) => {
    try {
      const { quotas, force } = parseRestBody(quotaBodySchema, req.body);
      const principal = requestPrincipal(req.raw);
      for (const [i, q] of checkQuotaConfigs(quotas).entries()) master.auth.authorize('update_quotas', principal, q.role, `quotas[${i}].role`);
      return { quotas: await master.roleConfig.updateQuotas(quotas, force) };
    } catch (err) {
      return sendError(reply, err);
    }
  });
  // Operator.MarkAgentGone over HTTP: the agent is gone for good (404 for an id never admitted).
  app.post<{ Params: { agentId: string } }>('/api/v1/agents/:agentId/gone', async (req, reply) => {
    try {
      return await master.markAgentGone(req.params.agentId, requestPrincipal(req.raw));
    } catch (err) {
      return sendError(reply, err);
    }
  });
  // Drain and reactivate agents, kill tasks, tear frameworks down (operator-routes.ts).
  addOperatorRoutes(app, master, sendError);
  app.get('/metrics', async (_req, reply) => reply.header('content-type', master.metrics.registry.contentType).send(await master.metrics.registry.metrics()));
  app.get<{ Params: { taskId: string }; Querystring: { name?: string; offset?: string; length?: string } }>(
    '/api/v1/tasks/:taskId/logs',
    async (req, reply) => {
      try {
        const offset = Number(req.query.offset ?? 0);
        const length = Number(req.query.length ?? 64 * 1024);
        if (!Number.isSafeInteger(offset)) throw new ValidationError('offset', 'must be an integer');
        if (!Number.isSafeInteger(length) || length <= 0) throw new ValidationError('length', 'must be a positive integer');
        const res = await master.readTaskLog({ taskId: req.params.taskId, name: req.query.name ?? 'stdout', offset, length }, requestPrincipal(req.raw));
        return reply
          .header('content-type', 'text/plain; charset=utf-8')
          .header('x-tandem-log-size', String(res.size ?? 0))
          .send(Buffer.from(res.data as Uint8Array));
      } catch (err) {
        return sendError(reply, err);
      }
    },
  );
  // The web UI (`/`), its paginated views (`/api/v1/ui/*`), the event stream and followed logs (SSE).
  const history = new UtilisationHistory(master);
  const events = new EventStreams(master, options.logger);
  const logs = new LogStreams(master);
  const links = options.uiLinks ?? {};
  uiStaticRoutes(app, options.uiDir ?? UI_DIR);
  uiRoutes(app, master, history, links);
  serviceProxyRoutes(app, links);
  events.routes(app);
  logs.routes(app);
  await app.listen({ host, port });
  history.sample();
  const address = app.server.address();
  const bound = typeof address === 'object' && address ? address.port : port;
  return {
    port: bound,
    close: () => {
      history.stop();
      events.closeAll();
      logs.closeAll();
      return app.close();
    },
  };
}

/** `/api/v1/state` for `principal`: with ACLs, only the frameworks (and their tasks and offers) whose principal `view` gives it. */
function visibleStateJson(master: MasterOperations, principal: string | undefined): Record<string, unknown> {
  const json = clusterStateJson(master);
  if (!master.auth.acls.configured) return json;
  const decided = new Map<string, boolean>();
  const mayView = (frameworkId: unknown): boolean => {
    const id = String(frameworkId ?? '');
    let may = decided.get(id);
    if (may === undefined) {
      may = master.auth.mayView(principal, master.frameworks.get(id)?.principal ?? '');
      decided.set(id, may);
    }
    return may;
  };
  const only = (list: unknown, key: string): unknown[] => (list as Record<string, unknown>[]).filter((x) => mayView(x[key]));
  return {
    ...json,
    frameworks: only(json.frameworks, 'id'),
    tasks: only(json.tasks, 'frameworkId'),
    completedTasks: only(json.completedTasks, 'frameworkId'),
    offers: only(json.offers, 'frameworkId'),
  };
}
