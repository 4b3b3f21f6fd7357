import type { FastifyInstance, FastifyReply } from 'fastify';
import { updateGauges } from '../core/gauges.js';
import { infoDocument } from './info-document.js';
import { acceptsJsonFirst, dropwizardMetrics } from './metrics-json.js';
import type { Query, RouteContext } from './route-context.js';
import { wantsTandem } from './tandem-opt-in.js';

/** /v2/info, /v2/leader, /ping, /metrics, /metrics/prometheus. */
export function miscRoutes(http: FastifyInstance, ctx: RouteContext): void {
  http.get('/ping', async (_req, reply) => reply.type('text/plain').send('pong'));
  http.get('/v2/leader', async () => ({ leader: ctx.address() }));
  http.get('/v2/info', async (req) =>
    infoDocument(ctx.options, {
      tandem: wantsTandem(req.query as Query),
      ha: ctx.options.embedHttp, // behind the HA front
      elected: true,
      leader: ctx.address(),
      frameworkId: ctx.scheduler.frameworkId ?? null,
      connected: ctx.scheduler.connected,
      httpPort: Number(ctx.address().split(':').pop()),
    }),
  );
  // Marathon's JSON (Dropwizard's) when the client asks for JSON; Prometheus text for text/plain, no Accept or */*, and always on /metrics/prometheus.
  const prometheus = async (reply: FastifyReply): Promise<FastifyReply> => {
    updateGauges(ctx.scheduler.repo, ctx.metrics);
    return reply.type(ctx.metrics.registry.contentType).send(await ctx.metrics.registry.metrics());
  };
  http.get('/metrics', async (req, reply) => {
    if (!acceptsJsonFirst(req.headers.accept)) return prometheus(reply);
    updateGauges(ctx.scheduler.repo, ctx.metrics);
    return reply.type('application/json').send(await dropwizardMetrics(ctx.metrics.registry));
  });
  http.get('/metrics/prometheus', async (_req, reply) => prometheus(reply));
}
