import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Agent } from './agent.js';

export interface AgentHttpApi {
  readonly port: number;
  close(): Promise<void>;
}

function send(res: ServerResponse, code: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(code, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/**
 * The agent's own small HTTP side, for operators and health probes: `GET /health`
 * (200 while the agent runs, 503 otherwise) and `GET /api/v1/state` (its id,
 * resources and tasks). Read-only; the master never calls it.
 */
export async function startAgentHttp(agent: Agent, host: string, port: number): Promise<AgentHttpApi> {
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    if (req.method !== 'GET') return send(res, 405, { message: `${req.method} is not allowed` });
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/health') {
      const ok = agent.state === 'running';
      return send(res, ok ? 200 : 503, { status: ok ? 'ok' : agent.state, agentId: agent.agentId ?? null });
    }
    if (path === '/api/v1/state') {
      return send(res, 200, {
        agentId: agent.agentId ?? null,
        state: agent.state,
        resources: agent.totalResources.toJSON(),
        tasks: agent.tasks(),
      });
    }
    return send(res, 404, { message: `no route ${path}` });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  return {
    port: typeof address === 'object' && address ? address.port : port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
