import type { RequestListener } from 'node:http';
import { acceptJsonBodies, componentLogger, requireHttpAuth, SseStreams } from '@tandem/protocol';
import Fastify, { type FastifyInstance } from 'fastify';
import { sendError } from './http-error.js';
import type { RouteContext } from './route-context.js';
import { appsRoutes } from './routes-apps.js';
import { eventRoutes } from './routes-events.js';
import { groupRoutes } from './routes-groups.js';
import { miscRoutes } from './routes-misc.js';
import { runtimeRoutes } from './routes-runtime.js';

/** The Marathon-compatible REST API. `close()` ends SSE streams first, then the server. */
export class AppsServer {
  readonly http: FastifyInstance;
  private readonly streams = new SseStreams();

  constructor(ctx: RouteContext) {
    const bodyLimit = ctx.options.maxBodyBytes;
    const http = Fastify({ logger: false, bodyLimit });
    this.http = http;
    requireHttpAuth(http, ctx.options.httpAuth, componentLogger('apps-http', ctx.options.logger));
    acceptJsonBodies(http);
    http.setErrorHandler((err, req, reply) => sendError(err, req, reply, bodyLimit));
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

  /** Readies the routes without listening; requests handed to the returned handler are served as if they had come to the port (the HA front). */
  async embed(): Promise<RequestListener> {
    await this.http.ready();
    return this.http.routing;
  }

  async close(): Promise<void> {
    this.streams.closeAll();
    await this.http.close();
  }
}
