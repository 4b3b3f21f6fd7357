import { Code, TandemError } from '@tandem/protocol';
import type { FastifyInstance } from 'fastify';
import { canonicalPathId, pathIdProblem } from '../app/path-id.js';
import { parseTaskId } from '../core/task-ids.js';
import { definitionJson, deploymentJson, taskJson, waitingJson } from './app-json.js';
import { flagOf, type Query, type RouteContext } from './route-context.js';
import { wantsTandem } from './tandem-opt-in.js';

const STATUS_FILTER: Record<string, string> = {
  running: 'TASK_RUNNING',
  staging: 'TASK_STAGING',
  starting: 'TASK_STARTING',
  killing: 'TASK_KILLING',
  unreachable: 'TASK_UNREACHABLE',
};

/** /v2/deployments, /v2/tasks, /v2/queue. */
export function runtimeRoutes(http: FastifyInstance, ctx: RouteContext): void {
  const { scheduler } = ctx;

  http.get('/v2/deployments', async (req) =>
    [...scheduler.repo.deployments.values()]
      .sort((a, b) => a.startedAt - b.startedAt)
      .map((d) => deploymentJson(scheduler, d.id, wantsTandem(req.query as Query))),
  );
  http.get('/v2/deployments/:id', async (req) => {
    const json = deploymentJson(scheduler, (req.params as { id: string }).id, wantsTandem(req.query as Query));
    if (!json) throw new TandemError(Code.NotFound, `DeploymentPlan ${(req.params as { id: string }).id} does not exist`);
    return json;
  });
  http.delete('/v2/deployments/:id', async (req, reply) => {
    const force = flagOf(req.query as Query, 'force');
    const cancelled = scheduler.repo.deployments.get((req.params as { id: string }).id);
    if (cancelled) ctx.acl?.check(req.raw, 'deploy_apps', cancelled.affectedApps);
    const rollback = await scheduler.cancelDeployment((req.params as { id: string }).id, force);
    if (!rollback) return reply.code(202).send();
    return reply.header('Marathon-Deployment-Id', rollback.id).send({ deploymentId: rollback.id, version: rollback.version });
  });

  http.get('/v2/tasks', async (req) => {
    const wanted = ([] as string[]).concat((req.query as Query).status ?? []).map((s) => STATUS_FILTER[s.toLowerCase()] ?? s);
    const tandem = wantsTandem(req.query as Query);
    const tasks = [...scheduler.repo.instances.values()]
      .map((i) => taskJson(i, scheduler.repo.apps.get(i.appId), tandem))
      .filter((t) => t !== undefined && (wanted.length === 0 || wanted.includes(String(t.state))));
    return { tasks };
  });
  http.post('/v2/tasks/delete', async (req) => {
    const ids = ((req.body ?? {}) as { ids?: unknown }).ids;
    if (!Array.isArray(ids) || ids.some((x) => typeof x !== 'string')) throw new TandemError(Code.InvalidArgument, 'ids: must be an array of task ids');
    const scale = flagOf(req.query as Query, 'scale');
    const byApp = new Map<string, string[]>();
    for (const id of ids as string[]) {
      const parsed = parseTaskId(id);
      if (!parsed) continue;
      byApp.set(parsed.appId, [...(byApp.get(parsed.appId) ?? []), id]);
    }
    ctx.acl?.check(req.raw, 'deploy_apps', byApp.keys());
    const results = [];
    for (const [appId, taskIds] of byApp) results.push(await scheduler.killTasks(appId, taskIds, scale));
    const d = results.find((r) => r.deployment)?.deployment;
    if (d) return { version: d.version, deploymentId: d.id };
    const tandem = wantsTandem(req.query as Query);
    return { tasks: results.flatMap((r) => r.killed.map((i) => taskJson(i, scheduler.repo.apps.get(i.appId), tandem))) };
  });

  http.get('/v2/queue', async (req) => {
    const tandem = wantsTandem(req.query as Query);
    const queue = [];
    for (const app of scheduler.repo.apps.values()) {
      const waiting = waitingJson(scheduler, app, tandem);
      if (!waiting) continue;
      const { instances, ...rest } = waiting;
      queue.push({ ...rest, app: definitionJson(app), ...(instances ? { instances } : {}) });
    }
    return { queue };
  });
  http.delete('/v2/queue/*', async (req, reply) => {
    const m = /^(.+)\/delay$/.exec((req.params as { '*': string })['*']);
    if (!m || pathIdProblem(m[1]!)) throw new TandemError(Code.NotFound, `no such resource: ${req.url}`);
    const id = canonicalPathId(m[1]!);
    ctx.acl?.check(req.raw, 'deploy_apps', [id]);
    if (!scheduler.repo.apps.has(id)) throw new TandemError(Code.NotFound, `App '${id}' does not exist`);
    scheduler.resetDelay(id);
    return reply.code(204).send();
  });
}
