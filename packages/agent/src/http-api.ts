import {
  allowCors,
  DEFAULT_MAX_BODY_BYTES,
  fastifyServerOptions,
  type HttpAuth,
  type Logger,
  limitHttpRate,
  type RateLimit,
  requireHttpAuth,
  type TlsFiles,
} from '@tandem/protocol';
import Fastify from 'fastify';
import type { Agent } from './agent.js';

export interface AgentHttpApi {
  readonly port: number;
  close(): Promise<void>;
}

const ROUTES = new Set(['/health', '/api/v1/state', '/metrics']);

/** Paths of the agent's HTTP API answered without credentials (health probes). */
export const AGENT_OPEN_PATHS: readonly string[] = ['/health'];

export interface AgentHttpOptions {
  /** Serve HTTPS only, with the agent's TLS files (client certificates asked for, optional). @default plaintext */
  tls?: TlsFiles;
  /** Credentials every path but `/health` needs. @default none: open */
  auth?: HttpAuth;
  /** Origins allowed cross-origin requests. @default none: CORS off */
  corsOrigins?: readonly string[];
  /** Requests per client (its principal, else its IP address) over this rate are 429; `/health` is exempt. `false`: no limit. @default DEFAULT_HTTP_RATE_LIMIT */
  rateLimit?: RateLimit | false;
  logger?: Logger;
}

/**
 * The agent's own small HTTP side (fastify, as every Tandem HTTP server), for operators
 * and health probes: `GET /health` (200 while the agent runs, 503 otherwise),
 * `GET /api/v1/state` (its id, resources and tasks) and `GET /metrics` (Prometheus). Read-only (another method on these
 * paths is a 405); the master never calls it. With `options.tls` it serves HTTPS only;
 * with `options.auth` every path but `/health` needs credentials.
 */
export async function startAgentHttp(agent: Agent, host: string, port: number, options: AgentHttpOptions = {}): Promise<AgentHttpApi> {
  // Its routes take no body; fastify's limit (the same 1 MiB as every Tandem API) is named so it stays so.
  const app = Fastify(fastifyServerOptions({ logger: false, forceCloseConnections: true, bodyLimit: DEFAULT_MAX_BODY_BYTES }, options.tls));
  allowCors(app, options.corsOrigins);
  requireHttpAuth(app, options.auth?.with({ openPaths: AGENT_OPEN_PATHS }), options.logger);
  // Requests over the rate (by default 1,000 a second per client, 2,000 at once) are 429; /health is exempt.
  limitHttpRate(app, { ...(options.rateLimit === undefined ? {} : { rate: options.rateLimit }), logger: options.logger });
  app.get('/health', async (_req, reply) => {
    const ok = agent.state === 'running';
    return reply.code(ok ? 200 : 503).send({ status: ok ? 'ok' : agent.state, agentId: agent.agentId ?? null });
  });
  app.get('/api/v1/state', async () => ({
    agentId: agent.agentId ?? null,
    state: agent.state,
    resources: agent.totalResources.toJSON(),
    tasks: agent.tasks(),
  }));
  // Prometheus text (the agent's tasks, resources, container launch latency, process metrics); credentials as /api/v1/state.
  const metrics = agent.metrics();
  app.get('/metrics', async (_req, reply) => reply.header('content-type', metrics.registry.contentType).send(await metrics.registry.metrics()));
  app.setNotFoundHandler((req, reply) => {
    const path = req.url.split('?')[0] ?? '/';
    if (ROUTES.has(path)) return reply.code(405).send({ message: `${req.method} is not allowed` });
    return reply.code(404).send({ message: `no route ${path}` });
  });
  await app.listen({ host, port });
  const address = app.server.address();
  return {
    port: typeof address === 'object' && address ? address.port : port,
    close: () => app.close(),
  };
}
