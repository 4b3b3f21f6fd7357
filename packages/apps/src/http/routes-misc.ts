import type { FastifyInstance } from 'fastify';
import { infoDocument } from './info-document.js';
import type { RouteContext } from './route-context.js';

/** /v2/info, /v2/leader, /ping, /metrics. */
export function miscRoutes(http: FastifyInstance, ctx: RouteContext): void {
  http.get('/ping', async (_req, reply) => reply.type('text/plain').send('pong'));
  http.get('/v2/leader', async () => ({ leader: ctx.address() }));
  http.get('/v2/info', async () =>
    infoDocument(ctx.options, {
      elected: true,
      leader: ctx.address(),
      frameworkId: ctx.scheduler.frameworkId ?? null,
      connected: ctx.scheduler.connected,
      httpPort: Number(ctx.address().split(':').pop()),
    }),
  );
  http.get('/metrics', async (_req, reply) => {
    const body = await ctx.metrics.registry.metrics();
    return reply.type(ctx.metrics.registry.contentType).send(body);
  });
}
