import { Code, TandemError } from '@tandem/protocol';
import type { FastifyInstance } from 'fastify';
import type { AppDefinition } from '../app/app-definition.js';
import { AppValidationError } from '../app/app-validation-error.js';
import { canonicalPathId, isUnder, parentGroup, pathIdProblem, resolvePathId } from '../app/path-id.js';
import { validateApp } from '../app/validate-app.js';
import { hasGroup } from '../core/group-versions.js';
import { appJson } from './app-json.js';
import { flagOf, type Query, type RouteContext, UNSTAMPED } from './route-context.js';

interface GroupInput {
  id?: string;
  apps?: unknown[];
  groups?: GroupInput[];
  dependencies?: string[];
}

/** Groups are the folders of app ids; `/v2/groups` shows the tree and changes whole subtrees in one deployment. */
export function groupRoutes(http: FastifyInstance, ctx: RouteContext): void {
  const { scheduler } = ctx;

  const groupIdOf = (raw: string | undefined): string => {
    if (!raw || raw === '/' || raw === '') return '/';
    if (pathIdProblem(raw)) throw new TandemError(Code.NotFound, `Group '${raw}' does not exist`);
    return canonicalPathId(raw);
  };

  /** A group's version: the last change to anything inside it (before any root was recorded: its newest app version). */
  const currentVersion = (id: string, apps: readonly AppDefinition[]): string | null =>
    scheduler.repo.roots.at(-1)?.groups[id] ?? (apps.map((a) => a.version).sort().pop() || null);

  /** The group `id` of `apps` (those under it), each app shown by `show`. */
  const tree = (
    id: string,
    apps: readonly AppDefinition[],
    show: (a: AppDefinition) => unknown,
    versionOf: (groupId: string, under: readonly AppDefinition[]) => string | null,
  ): Record<string, unknown> => {
    const direct = apps.filter((a) => parentGroup(a.id) === id);
    const children = new Set<string>();
    for (const a of apps) {
      if (a.id === id || !isUnder(a.id, id) || parentGroup(a.id) === id) continue;
      const rest = a.id.slice(id === '/' ? 1 : id.length + 1).split('/');
      children.add(`${id === '/' ? '' : id}/${rest[0]}`);
    }
    return {
      id,
      apps: direct.map(show),
      groups: [...children].sort().map((c) => tree(c, apps.filter((a) => isUnder(a.id, c)), show, versionOf)),
      pods: [],
      dependencies: [],
      version: versionOf(id, apps),
    };
  };
  const live = (a: AppDefinition): unknown => appJson(scheduler, a, { tasks: false, lastTaskFailure: false });

  /** The group as it was in root version `version` (apps as stored then). */
  const treeAt = async (id: string, version: string): Promise<Record<string, unknown>> => {
    const root = scheduler.repo.root(version);
    if (!root || !hasGroup(root, id)) throw new TandemError(Code.NotFound, `Group '${id}' does not exist in version ${version}`);
    const apps: AppDefinition[] = [];
    for (const [appId, v] of Object.entries(root.apps)) {
      if (!isUnder(appId, id) || appId === id) continue;
      const app = await scheduler.repo.version(appId, v);
      if (app) apps.push(app);
    }
    apps.sort((a, b) => a.id.localeCompare(b.id));
    return tree(id, apps, (a) => a, (g) => root.groups[g] ?? null);
  };

  /** Root versions in which the group existed, newest first (Marathon's /v2/groups/{id}/versions). */
  const versionsOf = (id: string): string[] =>
    scheduler.repo.roots
      .filter((r) => hasGroup(r, id))
      .map((r) => r.version)
      .reverse();

  const exists = (id: string): boolean => id === '/' || [...scheduler.repo.apps.keys()].some((a) => a !== id && isUnder(a, id));

  /** Flattens a group document into validated apps (ids relative to their group). */
  const flatten = (g: GroupInput, base: string, path: string, out: Map<string, AppDefinition>): void => {
    const id = g.id ? resolvePathId(base, g.id) : base;
    if (!id || (id !== '/' && pathIdProblem(id))) throw AppValidationError.of(`${path}/id`, `"${g.id}" is not a valid group id`);
    (g.apps ?? []).forEach((raw, i) => {
      const r = raw as { id?: unknown };
      const appId = typeof r.id === 'string' ? resolvePathId(id, r.id) : undefined;
      const app = validateApp({ ...(raw as object), ...(appId ? { id: appId } : {}) }, ctx.limits, UNSTAMPED, `${path}/apps/${i}`);
      out.set(app.id, app);
    });
    (g.groups ?? []).forEach((sub, i) => {
      flatten(sub, id, `${path}/groups/${i}`, out);
    });
  };

  http.get('/v2/groups', async () => tree('/', [...scheduler.repo.apps.values()], live, currentVersion));
  http.get('/v2/groups/*', async (req) => {
    const rest = (req.params as { '*': string })['*'].replace(/\/$/, '');
    // As Marathon's GroupsResource: [<id>/]versions and [<id>/]versions/<timestamp>.
    const at = /^(?:(.+)\/)?versions\/(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z)$/.exec(rest);
    if (at) return treeAt(groupIdOf(at[1]), at[2]!);
    const list = /^(?:(.+)\/)?versions$/.exec(rest);
    if (list) {
      const id = groupIdOf(list[1]);
      if (!exists(id)) throw new TandemError(Code.NotFound, `Group '${id}' does not exist`);
      return versionsOf(id);
    }
    const id = groupIdOf(rest);
    const apps = [...scheduler.repo.apps.values()].filter((a) => isUnder(a.id, id));
    if (!exists(id)) throw new TandemError(Code.NotFound, `Group '${id}' does not exist`);
    return tree(id, apps, live, currentVersion);
  });

  const change = async (rawId: string | undefined, body: GroupInput, q: Query, replace: boolean) => {
    const id = groupIdOf(rawId ?? body.id);
    const targets = new Map<string, AppDefinition | undefined>();
    const scaleBy = typeof (body as { scaleBy?: unknown }).scaleBy === 'number' ? (body as { scaleBy: number }).scaleBy : undefined;
    if (scaleBy !== undefined) {
      for (const a of scheduler.repo.apps.values()) if (isUnder(a.id, id)) targets.set(a.id, { ...a, instances: Math.max(0, Math.round(a.instances * scaleBy)) });
    } else {
      const wanted = new Map<string, AppDefinition>();
      flatten({ ...body, id }, '/', '', wanted);
      if (replace) for (const a of scheduler.repo.apps.values()) if (isUnder(a.id, id) && !wanted.has(a.id)) targets.set(a.id, undefined);
      for (const [appId, app] of wanted) targets.set(appId, app);
    }
    const d = await scheduler.deploy(targets, { force: flagOf(q, 'force') });
    ctx.events.emit('group_change_success', { groupId: id, version: d.version });
    return { version: d.version, deploymentId: d.id };
  };

  http.post('/v2/groups', async (req, reply) => {
    const body = (req.body ?? {}) as GroupInput;
    const id = groupIdOf(body.id);
    if (id !== '/' && [...scheduler.repo.apps.keys()].some((a) => isUnder(a, id))) {
      return reply.code(409).send({ message: `Group ${id} is already created. Use PUT to change this group.` });
    }
    return reply.code(201).send(await change(undefined, body, req.query as Query, false));
  });
  http.put('/v2/groups', async (req) => change('/', (req.body ?? {}) as GroupInput, req.query as Query, true));
  http.put('/v2/groups/*', async (req) => change((req.params as { '*': string })['*'], (req.body ?? {}) as GroupInput, req.query as Query, true));
  http.delete('/v2/groups/*', async (req) => {
    const id = groupIdOf((req.params as { '*': string })['*']);
    const targets = new Map<string, AppDefinition | undefined>();
    for (const a of scheduler.repo.apps.keys()) if (isUnder(a, id)) targets.set(a, undefined);
    if (targets.size === 0) throw new TandemError(Code.NotFound, `Group '${id}' does not exist`);
    const d = await scheduler.deploy(targets, { force: flagOf(req.query as Query, 'force') });
    return { version: d.version, deploymentId: d.id };
  });
}
