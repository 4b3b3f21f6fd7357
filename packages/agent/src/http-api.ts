import Fastify from 'fastify';
import type { Agent } from './agent.js';

export interface AgentHttpApi {
  readonly port: number;
  close(): Promise<void>;
}

const ROUTES = new Set(['/health', '/api/v1/state']);

/**
 * The agent's own small HTTP side (fastify, as every Tandem HTTP server), for operators
 * and health probes: `GET /health` (200 while the agent runs, 503 otherwise) and
 * `GET /api/v1/state` (its id, resources and tasks). Read-only (another method on these
 * paths is a 405); the master never calls it.
 */
export async function startAgentHttp(agent: Agent, host: string, port: number): Promise<AgentHttpApi> {
  const app = Fastify({ logger: false, forceCloseConnections: true });
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
