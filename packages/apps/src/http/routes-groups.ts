import { Code, TandemError, ValidationError } from '@tandem/protocol';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppDefinition } from '../app/app-definition.js';
import { canonicalPathId, isUnder, parentGroup, pathIdProblem, resolvePathId } from '../app/path-id.js';
import { type AppChange, planSteps } from '../core/deployment-plan.js';
import { hasGroup } from '../core/group-versions.js';
import { appInfoJson, type GroupEmbeds, pruneGroup, resolveGroupEmbeds } from './app-embed.js';
import { definitionJson } from './app-json.js';
import { parseGroupDocument } from './group-document.js';
import { childGroups, type GroupPlan, planGroupUpdate, planRemoval } from './group-update.js';
import { flagOf, listOf, type Query, type RouteContext } from './route-context.js';
import { scaleGroupPlan } from './scale-group.js';

/**
 * `/v2/groups`: the tree of groups (stored ones, empty or not, and those holding apps)
 * and their apps; a change to a group is one deployment of everything it touches.
 */
export function groupRoutes(http: FastifyInstance, ctx: RouteContext): void {
  const { scheduler } = ctx;
  const repo = scheduler.repo;

  const groupIdOf = (raw: string | undefined): string => {
    if (!raw || raw === '/' || raw === '') return '/';
    if (pathIdProblem(raw)) throw new TandemError(Code.NotFound, `Group '${raw}' does not exist`);
    return canonicalPathId(raw);
  };

  /** A group's version: the last change to anything inside it (before any root was recorded: its newest app version). */
  const currentVersion = (id: string, apps: readonly AppDefinition[]): string | null =>
    repo.roots.at(-1)?.groups[id] ??
    (apps
      .map((a) => a.version)
      .sort()
      .pop() ||
      null);

  /** The group `id` of `apps` and stored groups (`stored`: id -> dependencies), each app shown by `show`. */
  const tree = (
    id: string,
    apps: readonly AppDefinition[],
    stored: ReadonlyMap<string, readonly string[]>,
    show: (a: AppDefinition) => unknown,
    versionOf: (groupId: string, under: readonly AppDefinition[]) => string | null,
  ): Record<string, unknown> => {
    const children = [
      ...childGroups(
        id,
        apps.map((a) => a.id),
        stored.keys(),
      ),
    ].sort();
    return {
      id,
      apps: apps.filter((a) => parentGroup(a.id) === id).map(show),
      groups: children.map((c) =>
        tree(
          c,
          apps.filter((a) => isUnder(a.id, c)),
          new Map([...stored].filter(([g]) => isUnder(g, c))),
          show,
          versionOf,
        ),
      ),
      pods: [],
      dependencies: [...(stored.get(id) ?? [])],
      version: versionOf(id, apps),
    };
  };
  // As Marathon's GroupInfo: each app's definition (App), its status only when embedded.
  const live = (a: AppDefinition): unknown => definitionJson(a);
  const storedNow = (): Map<string, readonly string[]> => new Map([...repo.groups.values()].map((g) => [g.id, g.dependencies]));

  /** The group as it was in root version `version` (apps as stored then). */
  const treeAt = async (id: string, version: string): Promise<Record<string, unknown>> => {
    const root = repo.root(version);
    if (!root || !hasGroup(root, id)) throw new TandemError(Code.NotFound, `Group '${id}' does not exist in version ${version}`);
    const apps: AppDefinition[] = [];
    for (const [appId, v] of Object.entries(root.apps)) {
      if (!isUnder(appId, id) || appId === id) continue;
      const app = await repo.version(appId, v);
      if (app) apps.push(app);
    }
    apps.sort((a, b) => a.id.localeCompare(b.id));
    const stored = new Map(Object.entries(root.stored ?? {}).filter(([g]) => isUnder(g, id)));
    return tree(
      id,
      apps,
      stored,
      (a) => definitionJson(a),
      (g) => root.groups[g] ?? null,
    );
  };

  /** Root versions in which the group existed, newest first (Marathon's /v2/groups/{id}/versions). */
  const versionsOf = (id: string): string[] =>
    repo.roots
      .filter((r) => hasGroup(r, id))
      .map((r) => r.version)
      .reverse();

  /** A group exists when stored, or when it holds a stored group or an app. */
  const exists = (id: string): boolean =>
    id === '/' || [...repo.groups.keys()].some((g) => isUnder(g, id)) || [...repo.apps.keys()].some((a) => a !== id && isUnder(a, id));

  const show = (id: string, embeds: GroupEmbeds): Record<string, unknown> => {
    if (!exists(id)) throw new TandemError(Code.NotFound, `Group '${id}' does not exist`);
    const stored = new Map([...storedNow()].filter(([g]) => isUnder(g, id)));
    const shown = tree(
      id,
      [...repo.apps.values()].filter((a) => isUnder(a.id, id)),
      stored,
      embeds.app.size > 0 ? (a) => appInfoJson(scheduler, a, embeds.app) : live,
      currentVersion,
    );
    return pruneGroup(shown, embeds);
  };
  const embedsOf = (req: FastifyRequest): GroupEmbeds => resolveGroupEmbeds(listOf(req.query as Query, 'embed'));

  /** Every app under the group (at any depth), as Marathon's `GET /v2/groups/{id}/apps`: a JSON array; none for an unknown group. */
  const appsUnder = (id: string, embeds: GroupEmbeds): unknown[] =>
    [...repo.apps.values()]
      .filter((a) => a.id !== id && isUnder(a.id, id))
      .sort((a, b) => a.id.localeCompare(b.id))
      .map((a) => (embeds.app.size > 0 ? appInfoJson(scheduler, a, embeds.app) : live(a)));

  http.get('/v2/groups', async (req) => show('/', embedsOf(req)));
  http.get('/v2/groups/*', async (req) => {
    const rest = (req.params as { '*': string })['*'].replace(/\/$/, '');
    const apps = /^(?:(.+)\/)?apps$/.exec(rest);
    if (apps) return appsUnder(groupIdOf(apps[1]), embedsOf(req));
    // As Marathon's GroupsResource: [<id>/]versions and [<id>/]versions/<timestamp>.
    const at = /^(?:(.+)\/)?versions\/(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z)$/.exec(rest);
    if (at) return pruneGroup(await treeAt(groupIdOf(at[1]), at[2]!), embedsOf(req));
    const list = /^(?:(.+)\/)?versions$/.exec(rest);
    if (list) {
      const id = groupIdOf(list[1]);
      if (!exists(id)) throw new TandemError(Code.NotFound, `Group '${id}' does not exist`);
      return versionsOf(id);
    }
    return show(groupIdOf(rest), embedsOf(req));
  });

  /** `deploy_apps` on the group, every app the plan changes and every group it puts or removes. */
  const mayDeploy = (req: FastifyRequest, id: string, plan: GroupPlan): void =>
    ctx.acl?.check(req.raw, 'deploy_apps', [id, ...plan.targets.keys(), ...plan.put.map((g) => g.id), ...plan.remove]);

  const deploy = async (id: string, plan: GroupPlan, q: Query) => {
    // Apps the change leaves as they are keep their version (a group holding large apps is not rewritten for a change to one of them).
    const d = await scheduler.deploy(plan.targets, { force: flagOf(q, 'force'), groups: { put: plan.put, remove: plan.remove }, onlyChanged: true });
    ctx.events.emit('group_change_success', { groupId: id, version: d.version });
    return { version: d.version, deploymentId: d.id };
  };

  /** `?dryRun=true` (PUT): the steps the change would take, nothing changed (Marathon's `{"steps": [...]}`). */
  const dryRun = (plan: GroupPlan) => {
    const changes = new Map<string, AppChange>();
    for (const [id, to] of plan.targets) {
      const from = repo.apps.get(id);
      if (to === undefined && from === undefined) continue;
      changes.set(id, { from, to: to && from ? { ...to, version: from.version, versionInfo: from.versionInfo } : to });
    }
    return { steps: planSteps(changes) };
  };

  const change = async (req: FastifyRequest, id: string, body: unknown, q: Query) => {
    const fields = (body ?? {}) as { scaleBy?: unknown; version?: unknown; enforceRole?: unknown };
    if (fields.enforceRole !== undefined && fields.enforceRole !== false) {
      throw ValidationError.of('/enforceRole', 'enforced group roles are not supported: an app names its role itself (false or absent only)');
    }
    let plan: GroupPlan;
    if (fields.version !== undefined) {
      // As Marathon: a body with `version` rolls the group back to it, whatever else it holds.
      if (typeof fields.version !== 'string') throw ValidationError.of('/version', 'must be a version timestamp of the group (GET /v2/groups/{id}/versions)');
      const then = await treeAt(id, fields.version);
      plan = planGroupUpdate(parseGroupDocument(then, id, ctx.limits), repo.apps, repo.groups);
    } else if (fields.scaleBy !== undefined) {
      plan = scaleGroupPlan(repo.apps.values(), id, body as Record<string, unknown>, ctx.limits.maxInstances);
    } else {
      plan = planGroupUpdate(parseGroupDocument(body ?? {}, id, ctx.limits), repo.apps, repo.groups);
    }
    mayDeploy(req, id, plan);
    if (flagOf(q, 'dryRun')) return dryRun(plan);
    return deploy(id, plan, q);
  };

  /** `POST /v2/groups[/{base}]`: the body's id is taken relative to `base`. */
  const create = async (req: FastifyRequest, reply: FastifyReply, base: string) => {
    const body = req.body ?? {};
    const rawId = (body as { id?: unknown }).id;
    const resolved = typeof rawId === 'string' ? (rawId === '/' && base === '/' ? '/' : resolvePathId(base, rawId)) : base;
    if (rawId !== undefined && (resolved === undefined || (resolved !== '/' && pathIdProblem(resolved)))) {
      throw ValidationError.of('/id', `${JSON.stringify(rawId)} is not a valid group id`);
    }
    const id = groupIdOf(resolved);
    if (id !== '/' && exists(id)) throw new TandemError(Code.AlreadyExists, `Group ${id} is already created. Use PUT to change this group.`);
    if (repo.apps.has(id)) throw new TandemError(Code.AlreadyExists, `An app with the path ${id} already exists.`);
    return reply.code(201).send(await change(req, id, body, req.query as Query));
  };
  http.post('/v2/groups', async (req, reply) => create(req, reply, '/'));
  http.post('/v2/groups/*', async (req, reply) => {
    const raw = (req.params as { '*': string })['*'];
    if (raw && raw !== '/' && pathIdProblem(raw)) throw new TandemError(Code.NotFound, `Group '${raw}' is not a valid group id`);
    return create(req, reply, groupIdOf(raw));
  });
  http.put('/v2/groups', async (req) => change(req, '/', req.body, req.query as Query));
  http.put('/v2/groups/*', async (req) => {
    const raw = (req.params as { '*': string })['*'];
    if (raw && raw !== '/' && pathIdProblem(raw)) throw new TandemError(Code.NotFound, `Group '${raw}' is not a valid group id`);
    return change(req, groupIdOf(raw), req.body, req.query as Query);
  });
  const remove = async (req: FastifyRequest, id: string) => {
    if (!exists(id)) throw new TandemError(Code.NotFound, `Group '${id}' does not exist`);
    const plan: GroupPlan = { targets: new Map(), put: [], remove: [] };
    planRemoval(id, repo.apps, repo.groups, plan);
    mayDeploy(req, id, plan);
    return deploy(id, plan, req.query as Query);
  };
  // DELETE /v2/groups: the root group, every app and group in it.
  http.delete('/v2/groups', async (req) => remove(req, '/'));
  http.delete('/v2/groups/*', async (req) => remove(req, groupIdOf((req.params as { '*': string })['*'])));
  // Marathon's PATCH changes a group's enforceRole only; Tandem has no enforced group roles.
  http.patch('/v2/groups/*', async (req) => {
    const id = groupIdOf((req.params as { '*': string })['*']);
    if (!exists(id)) throw new TandemError(Code.NotFound, `Group '${id}' does not exist`);
    const body = (req.body ?? {}) as Record<string, unknown>;
    const unknown = Object.keys(body).filter((k) => k !== 'enforceRole');
    if (unknown.length > 0) throw ValidationError.of(`/${unknown[0]}`, 'a group PATCH takes enforceRole only');
    if (body.enforceRole !== undefined && body.enforceRole !== false) {
      throw ValidationError.of('/enforceRole', 'enforced group roles are not supported: an app names its role itself (false or absent only)');
    }
    return {};
  });
}
