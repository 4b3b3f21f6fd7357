import { Code, TandemError, ValidationError } from '@tandem/protocol';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AppDefinition } from '../app/app-definition.js';
import { canonicalPathId, isUnder, parentGroup, pathIdProblem } from '../app/path-id.js';
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

  http.get('/v2/groups', async (req) => show('/', embedsOf(req)));
  http.get('/v2/groups/*', async (req) => {
    const rest = (req.params as { '*': string })['*'].replace(/\/$/, '');
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

  const change = async (req: FastifyRequest, id: string, body: unknown, q: Query) => {
    const scaleBy = (body as { scaleBy?: unknown } | undefined)?.scaleBy;
    if (scaleBy !== undefined) {
      const plan = scaleGroupPlan(repo.apps.values(), id, body as Record<string, unknown>, ctx.limits.maxInstances);
      mayDeploy(req, id, plan);
      return deploy(id, plan, q);
    }
    const doc = parseGroupDocument(body ?? {}, id, ctx.limits);
    const plan = planGroupUpdate(doc, repo.apps, repo.groups);
    mayDeploy(req, id, plan);
    return deploy(id, plan, q);
  };

  http.post('/v2/groups', async (req, reply) => {
    const body = req.body ?? {};
    const rawId = (body as { id?: unknown }).id;
    if (rawId !== undefined && (typeof rawId !== 'string' || (rawId !== '/' && pathIdProblem(rawId)))) {
      throw ValidationError.of('/id', `${JSON.stringify(rawId)} is not a valid group id`);
    }
    const id = groupIdOf(rawId);
    if (id !== '/' && exists(id)) throw new TandemError(Code.AlreadyExists, `Group ${id} is already created. Use PUT to change this group.`);
    return reply.code(201).send(await change(req, id, body, req.query as Query));
  });
  http.put('/v2/groups', async (req) => change(req, '/', req.body, req.query as Query));
  http.put('/v2/groups/*', async (req) => {
    const raw = (req.params as { '*': string })['*'];
    if (raw && raw !== '/' && pathIdProblem(raw)) throw new TandemError(Code.NotFound, `Group '${raw}' is not a valid group id`);
    return change(req, groupIdOf(raw), req.body, req.query as Query);
  });
  http.delete('/v2/groups/*', async (req) => {
    const id = groupIdOf((req.params as { '*': string })['*']);
    if (!exists(id)) throw new TandemError(Code.NotFound, `Group '${id}' does not exist`);
    const plan: GroupPlan = { targets: new Map(), put: [], remove: [] };
    planRemoval(id, repo.apps, repo.groups, plan);
    mayDeploy(req, id, plan);
    return deploy(id, plan, req.query as Query);
  });
}
