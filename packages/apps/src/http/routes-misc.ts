import type { FastifyInstance } from 'fastify';
import type { RouteContext } from './route-context.js';

export const APPS_VERSION = '0.1.0';

/** /v2/info, /v2/leader, /ping, /metrics. */
export function miscRoutes(http: FastifyInstance, ctx: RouteContext): void {
  http.get('/ping', async (_req, reply) => reply.type('text/plain').send('pong'));
  http.get('/v2/leader', async () => ({ leader: ctx.address() }));
  http.get('/v2/info', async () => ({
    name: 'tandem-apps',
    version: APPS_VERSION,
    buildref: 'tandem',
    elected: true,
    leader: ctx.address(),
    frameworkId: ctx.scheduler.frameworkId ?? null,
    connected: ctx.scheduler.connected,
    marathon_config: {
      master: ctx.options.master,
      framework_name: ctx.options.frameworkName,
      failover_timeout: ctx.options.failoverTimeoutSeconds,
      decline_offer_duration: ctx.options.declineSeconds * 1000,
      reconciliation_interval: ctx.options.reconcileIntervalMs,
      mesos_role: ctx.options.roles[0] ?? '*',
      max_instances_per_app: ctx.options.maxInstancesPerApp,
      deployment_timeout_seconds: ctx.options.deploymentTimeoutSeconds,
    },
    http_config: { http_port: Number(ctx.address().split(':').pop()) },
    event_subscriber: { type: 'sse' },
    store: { type: 'tandem-store' },
  }));
  http.get('/metrics', async (_req, reply) => {
    const body = await ctx.metrics.registry.metrics();
    return reply.type(ctx.metrics.registry.contentType).send(body);
  });
}
