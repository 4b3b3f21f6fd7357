import Fastify, { type FastifyInstance } from 'fastify';
import { MalformedJsonError } from '../app/app-validation-error.js';
import { sendError } from './http-error.js';
import type { RouteContext } from './route-context.js';
import { appsRoutes } from './routes-apps.js';
import { eventRoutes, type SseStreams } from './routes-events.js';
import { groupRoutes } from './routes-groups.js';
import { miscRoutes } from './routes-misc.js';
import { runtimeRoutes } from './routes-runtime.js';

/** The Marathon-compatible REST API. `close()` ends SSE streams first, then the server. */
export class AppsServer {
  readonly http: FastifyInstance;
  private readonly streams: SseStreams = new Set();

  constructor(ctx: RouteContext) {
    const http = Fastify({ logger: false, bodyLimit: 64 * 1024 * 1024 });
    this.http = http;
    const parseJson = (_req: unknown, body: string | Buffer, done: (err: Error | null, value?: unknown) => void): void => {
      const text = body.toString();
      if (text.trim() === '') {
        done(null, undefined);
        return;
      }
      try {
        done(null, JSON.parse(text));
      } catch (err) {
        done(new MalformedJsonError(err instanceof Error ? err.message : String(err)));
      }
    };
    http.removeAllContentTypeParsers();
    http.addContentTypeParser('*', { parseAs: 'string' }, parseJson);
    http.setErrorHandler((err, req, reply) => sendError(err, req, reply));
    http.setNotFoundHandler((req, reply) => reply.code(404).send({ message: `no such resource: ${req.method} ${req.url}` }));
    http.addHook('onResponse', async (req, reply) => {
      ctx.metrics.http.inc({ method: req.method, status: String(reply.statusCode) });
    });
    appsRoutes(http, ctx);
    runtimeRoutes(http, ctx);
    groupRoutes(http, ctx);
    eventRoutes(http, ctx, this.streams);
    miscRoutes(http, ctx);
  }

  async listen(host: string, port: number): Promise<number> {
    await this.http.listen({ host, port });
    const address = this.http.server.address();
    return typeof address === 'object' && address ? address.port : port;
  }

  async close(): Promise<void> {
    for (const s of this.streams) s.end();
    this.streams.clear();
    await this.http.close();
  }
}
