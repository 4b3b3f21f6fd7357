import type { RequestListener } from 'node:http';
import { servicePrincipal } from '@tandem/framework-sdk';
import {
  acceptJsonBodies,
  allowCors,
  componentLogger,
  fastifyServerOptions,
  HttpAclGuard,
  limitHttpRate,
  OPEN_PATHS,
  requireHttpAuth,
  SseStreams,
} from '@tandem/protocol';
import Fastify, { type FastifyInstance } from 'fastify';
import { sendError } from './http-error.js';
import type { RouteContext } from './route-context.js';
import { appsRoutes } from './routes-apps.js';
import { eventRoutes } from './routes-events.js';
import { groupRoutes } from './routes-groups.js';
import { miscRoutes } from './routes-misc.js';
import { podRoutes } from './routes-pods.js';
import { runtimeRoutes } from './routes-runtime.js';

/** The Marathon-compatible REST API. `close()` ends SSE streams first, then the server. */
export class AppsServer {
  readonly http: FastifyInstance;
  private readonly streams = new SseStreams();

  constructor(context: RouteContext) {
    const bodyLimit = context.options.maxBodyBytes;
    const http = Fastify(fastifyServerOptions({ logger: false, bodyLimit }, context.options.tls));
    this.http = http;
    const log = componentLogger('apps-http', context.options.logger);
    const ctx: RouteContext = { ...context, acl: new HttpAclGuard(context.options.acls, log) };
    allowCors(http, ctx.options.corsOrigins);
    requireHttpAuth(http, ctx.options.httpAuth, log);
    // After authentication (the principal keys the bucket): requests over the rate are 429; /ping is exempt.
    limitHttpRate(http, { ...(ctx.options.httpRateLimit === undefined ? {} : { rate: ctx.options.httpRateLimit }), logger: log });
    viewAcl(http, ctx);
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
    podRoutes(http);
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

/**
 * With ACLs, a read (GET, HEAD; not `/ping`) needs `view` on the apps framework's
 * principal (`servicePrincipal`: its certificate's, its credential's, or its name).
 */
function viewAcl(http: FastifyInstance, ctx: RouteContext): void {
  const acl = ctx.acl;
  if (!acl?.enabled) return;
  const object = servicePrincipal(ctx.options);
  http.addHook('preHandler', async (req) => {
    if ((req.method === 'GET' || req.method === 'HEAD') && !OPEN_PATHS.has(req.url.split('?')[0] ?? '/')) acl.check(req.raw, 'view', [object]);
  });
}
