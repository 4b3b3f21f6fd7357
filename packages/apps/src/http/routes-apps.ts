import { Code, TandemError, ValidationError } from '@tandem/protocol';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppDefinition } from '../app/app-definition.js';
import { canonicalPathId, isUnder, pathIdProblem } from '../app/path-id.js';
import { validateApp } from '../app/validate-app.js';
import type { Deployment } from '../core/deployment.js';
import { appInfoJson, appsApiEmbeds } from './app-embed.js';
import { appJson, definitionJson, type Embed, taskJson, tasksOf } from './app-json.js';
import { parseLabelSelector } from './label-selector.js';
import { asInput, flagOf, listOf, type Query, type RouteContext, UNSTAMPED } from './route-context.js';
import { wantsTandem } from './tandem-opt-in.js';

function embedOf(q: Query, single: boolean): Embed {
  const e = listOf(q, 'embed');
  return {
    tasks: single || e.some((x) => x.endsWith('.tasks')),
    lastTaskFailure: single || e.some((x) => x.endsWith('.lastTaskFailure')),
    readiness: e.some((x) => x.endsWith('.readiness')),
    tandem: wantsTandem(q),
  };
}

function appIdOf(raw: string): string {
  const problem = pathIdProblem(raw);
  if (problem) throw new TandemError(Code.NotFound, `App '${raw}' does not exist`);
  return canonicalPathId(raw);
}

function deploymentReply(d: Deployment): Record<string, string> {
  return { version: d.version, deploymentId: d.id };
}

/** Splits `/v2/apps/<id>[/restart|/tasks[/<task>]|/versions[/<v>]]`. */
function parseAppPath(rest: string): { id: string; sub: 'app' | 'restart' | 'tasks' | 'task' | 'versions' | 'version'; arg?: string } {
  let m = /^(.+)\/restart$/.exec(rest);
  if (m) return { id: m[1]!, sub: 'restart' };
  m = /^(.+)\/tasks\/([^/]+)$/.exec(rest);
  if (m) return { id: m[1]!, sub: 'task', arg: m[2]! };
  m = /^(.+)\/tasks$/.exec(rest);
  if (m) return { id: m[1]!, sub: 'tasks' };
  m = /^(.+)\/versions\/([^/]+)$/.exec(rest);
  if (m) return { id: m[1]!, sub: 'version', arg: m[2]! };
  m = /^(.+)\/versions$/.exec(rest);
  if (m) return { id: m[1]!, sub: 'versions' };
  return { id: rest, sub: 'app' };
}

export function appsRoutes(http: FastifyInstance, ctx: RouteContext): void {
  const { scheduler } = ctx;
  const existing = (id: string): AppDefinition => {
    const app = scheduler.repo.apps.get(id);
    if (!app) throw new TandemError(Code.NotFound, `App '${id}' does not exist`);
    return app;
  };
  const validate = (json: unknown, prefix = ''): AppDefinition => validateApp(json, ctx.limits, UNSTAMPED, prefix);
  /** `deploy_apps` on each app id a request changes (403 naming the rule, before anything changes). */
  const mayDeploy = (req: FastifyRequest, ids: Iterable<string>): void => ctx.acl?.check(req.raw, 'deploy_apps', ids);
  const apiPost = (req: FastifyRequest, app: unknown): void => {
    ctx.events.emit('api_post_event', { clientIp: req.ip, uri: req.url, appDefinition: app });
  };

  http.get('/v2/apps', async (req) => {
    const q = req.query as Query;
    const idFilter = typeof q.id === 'string' ? q.id : undefined;
    const cmdFilter = typeof q.cmd === 'string' ? q.cmd : undefined;
    const labels = typeof q.label === 'string' ? parseLabelSelector(q.label) : undefined;
    const apps = [...scheduler.repo.apps.values()]
      .filter((a) => (!idFilter || a.id.includes(idFilter)) && (!cmdFilter || (a.cmd ?? '').includes(cmdFilter)))
      .filter((a) => !labels || labels.matches(a.labels))
      .sort((a, b) => a.id.localeCompare(b.id));
    const embeds = appsApiEmbeds(listOf(q, 'embed'), false);
    return { apps: apps.map((a) => appInfoJson(scheduler, a, embeds, wantsTandem(q))) };
  });

  http.post('/v2/apps', async (req, reply) => {
    const q = req.query as Query;
    const app = validate(req.body);
    mayDeploy(req, [app.id]);
    if (scheduler.repo.apps.has(app.id)) throw new TandemError(Code.AlreadyExists, `An app with id [${app.id}] already exists.`);
    const d = await scheduler.deploy(new Map([[app.id, app]]), { force: flagOf(q, 'force') });
    apiPost(req, app);
    const created = scheduler.repo.apps.get(app.id) ?? app;
    return reply
      .code(201)
      .header('Location', `/v2/apps${app.id}`)
      .header('Marathon-Deployment-Id', d.id)
      .send({ ...appJson(scheduler, created, embedOf(q, false)), deployments: [{ id: d.id }] });
  });

  http.put('/v2/apps', async (req) => {
    const q = req.query as Query;
    if (!Array.isArray(req.body)) throw ValidationError.of('/', 'must be a JSON array of apps');
    const targets = new Map<string, AppDefinition>();
    (req.body as unknown[]).forEach((raw, i) => {
      const id = typeof raw === 'object' && raw && 'id' in raw && typeof raw.id === 'string' && !pathIdProblem(raw.id) ? canonicalPathId(raw.id) : undefined;
      const prev = id ? scheduler.repo.apps.get(id) : undefined;
      const merged = prev && flagOf({ partialUpdate: 'true', ...q }, 'partialUpdate') ? { ...asInput(prev), ...(raw as object) } : raw;
      const app = validate(merged, `/${i}`);
      targets.set(app.id, app);
    });
    mayDeploy(req, targets.keys());
    const d = await scheduler.deploy(targets, { force: flagOf(q, 'force') });
    return deploymentReply(d);
  });

  http.get('/v2/apps/*', async (req) => {
    const q = req.query as Query;
    // As Marathon: /v2/apps/<group>/* (and /v2/apps/*) is {"*": [every app under the group, as GET /v2/apps/{id} shows it]}.
    const every = /^(?:(.+)\/)?\*$/.exec((req.params as { '*': string })['*']);
    if (every) {
      const group = every[1] === undefined ? '/' : pathIdProblem(every[1]) ? undefined : canonicalPathId(every[1]);
      const under = [...scheduler.repo.apps.values()].filter((a) => group !== undefined && a.id !== group && isUnder(a.id, group));
      if (group === undefined || (group !== '/' && under.length === 0 && !scheduler.repo.groups.has(group))) {
        throw new TandemError(Code.NotFound, `Group '${group ?? every[1]}' does not exist`);
      }
      const embeds = appsApiEmbeds(listOf(q, 'embed'), true);
      return { '*': under.sort((a, b) => a.id.localeCompare(b.id)).map((a) => appInfoJson(scheduler, a, embeds, wantsTandem(q))) };
    }
    const { id: raw, sub, arg } = parseAppPath((req.params as { '*': string })['*']);
    const id = appIdOf(raw);
    const app = existing(id);
    switch (sub) {
      case 'app':
        return { app: appInfoJson(scheduler, app, appsApiEmbeds(listOf(q, 'embed'), true), wantsTandem(q)) };
      case 'tasks':
        return { tasks: tasksOf(scheduler, id, wantsTandem(q)) };
      case 'versions':
        return { versions: await scheduler.repo.versions(id) };
      case 'version': {
        const v = await scheduler.repo.version(id, arg!);
        if (!v) throw new TandemError(Code.NotFound, `App '${id}' does not exist in version ${arg}`);
        return definitionJson(v);
      }
      default:
        throw new TandemError(Code.NotFound, `no such resource: ${req.url}`);
    }
  });

  const putOrPatch = async (req: FastifyRequest, reply: FastifyReply, patch: boolean) => {
    const q = req.query as Query;
    const { id: raw, sub } = parseAppPath((req.params as { '*': string })['*']);
    if (sub !== 'app') throw new TandemError(Code.NotFound, `no such resource: ${req.url}`);
    const id = appIdOf(raw);
    mayDeploy(req, [id]);
    const prev = scheduler.repo.apps.get(id);
    const body = (req.body ?? {}) as Record<string, unknown>;
    if (typeof body !== 'object' || Array.isArray(body)) throw ValidationError.of('/', 'must be a JSON object');
    let app: AppDefinition;
    if (Object.keys(body).length === 1 && typeof body.version === 'string') {
      // Roll back (or forward) to a stored version.
      const old = prev ? await scheduler.repo.version(id, body.version) : undefined;
      if (!old) throw new TandemError(Code.NotFound, `App '${id}' does not exist in version ${body.version}`);
      app = validate(asInput(old));
    } else {
      if (patch && !prev) throw new TandemError(Code.NotFound, `App '${id}' does not exist`);
      const partial = patch || flagOf({ partialUpdate: 'true', ...q }, 'partialUpdate');
      const base = prev && partial ? asInput(prev) : {};
      if ('ports' in body && body.ports !== undefined) delete base.portDefinitions;
      if ('portDefinitions' in body && body.portDefinitions !== undefined) delete base.ports;
      app = validate({ ...base, ...body, id });
    }
    const d = await scheduler.deploy(new Map([[id, app]]), { force: flagOf(q, 'force') });
    apiPost(req, app);
    reply.header('Marathon-Deployment-Id', d.id);
    if (!prev) return reply.code(201).header('Location', `/v2/apps${id}`).send(deploymentReply(d));
    return reply.code(200).send(deploymentReply(d));
  };
  http.put('/v2/apps/*', (req, reply) => putOrPatch(req, reply, false));
  http.patch('/v2/apps/*', (req, reply) => putOrPatch(req, reply, true));

  http.post('/v2/apps/*', async (req, reply) => {
    const q = req.query as Query;
    const { id: raw, sub } = parseAppPath((req.params as { '*': string })['*']);
    if (sub !== 'restart') throw new TandemError(Code.NotFound, `no such resource: ${req.url}`);
    const id = appIdOf(raw);
    mayDeploy(req, [id]);
    const app = existing(id);
    const d = await scheduler.deploy(new Map([[id, app]]), { force: flagOf(q, 'force'), restart: true });
    return reply.header('Marathon-Deployment-Id', d.id).send(deploymentReply(d));
  });

  http.delete('/v2/apps/*', async (req, reply) => {
    const q = req.query as Query;
    const { id: raw, sub, arg } = parseAppPath((req.params as { '*': string })['*']);
    const id = appIdOf(raw);
    mayDeploy(req, [id]);
    const app = existing(id);
    const scale = flagOf(q, 'scale');
    if (sub === 'app') {
      const d = await scheduler.deploy(new Map([[id, undefined]]), { force: flagOf(q, 'force') });
      return reply.header('Marathon-Deployment-Id', d.id).send(deploymentReply(d));
    }
    if (sub === 'tasks' || sub === 'task') {
      const host = typeof q.host === 'string' ? q.host : undefined;
      const all = scheduler.repo.instancesOf(id).filter((i) => i.taskId && (!host || i.hostname === host));
      const chosen = sub === 'task' ? all.filter((i) => i.taskId === arg) : all;
      if (sub === 'task' && chosen.length === 0) throw new TandemError(Code.NotFound, `Task '${arg}' does not exist`);
      const shown = chosen.map((i) => taskJson(i, app, wantsTandem(q))).filter((t) => t !== undefined);
      const { deployment } = await scheduler.killTasks(
        id,
        chosen.map((i) => i.taskId!),
        scale,
      );
      if (deployment) return reply.header('Marathon-Deployment-Id', deployment.id).send(deploymentReply(deployment));
      return sub === 'task' ? { task: shown[0] } : { tasks: shown };
    }
    throw new TandemError(Code.NotFound, `no such resource: ${req.url}`);
  });
}
