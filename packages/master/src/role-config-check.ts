import { Code, isRangeResource, TandemError, ValidationError } from '@tandem/protocol';
import type { ScalarQuantities } from './allocator/allocator.js';

/** A role's weight as stored and served: finite and > 0. */
export interface RoleWeight {
  readonly role: string;
  readonly weight: number;
}

/** A role's quota as stored and served; an empty record means none of that kind. */
export interface RoleQuotaConfig {
  readonly role: string;
  readonly guarantee: ScalarQuantities;
  readonly limit: ScalarQuantities;
}

/** The resources the allocator shares over; quota on them is always accepted. */
export const QUOTA_RESOURCES = ['cpus', 'mem', 'disk', 'gpus'] as const;
/** Mesos caps quota amounts (1 exabyte in MiB, 1 trillion of anything else); one cap here. */
export const MAX_QUOTA_AMOUNT = 1e12;
const EPSILON = 1e-9;
/** The syntax `SUBSCRIBE` accepts for a framework's roles, so any role set here is one a framework can join. */
const ROLE = /^(\*|[A-Za-z0-9_][A-Za-z0-9_.\-/]{0,127})$/;
const RESOURCE_NAME = /^[a-z][a-z0-9_.-]{0,63}$/;

/** Validates a role name: `*`, or `/`-separated segments of [A-Za-z0-9_.-], none empty, `.` or `..`. */
export function checkRoleName(role: unknown, field: string): string {
  if (typeof role !== 'string' || role === '') throw new ValidationError(field, 'is required');
  if (!ROLE.test(role) || role.split('/').some((s) => s === '' || s === '.' || s === '..')) {
    throw new ValidationError(field, `"${role.slice(0, 140)}" is not a valid role: "*" or "/"-separated segments of letters, digits, "_", "." and "-" (not empty, "." or ".."), at most 128 characters`);
  }
  return role;
}

/** Checks a batch of weights (all or nothing); an entry of weight 1 resets the role to the default. */
export function checkWeights(input: unknown, field = 'weights'): RoleWeight[] {
  if (!Array.isArray(input) || input.length === 0) throw new ValidationError(field, 'at least one { role, weight } is required');
  const seen = new Set<string>();
  return input.map((entry: unknown, i) => {
    const f = `${field}[${i}]`;
    if (typeof entry !== 'object' || entry === null) throw new ValidationError(f, 'must be an object { role, weight }');
    const { role, weight } = entry as { role?: unknown; weight?: unknown };
    const name = checkRoleName(role, `${f}.role`);
    if (seen.has(name)) throw new ValidationError(`${f}.role`, `role "${name}" is listed twice`);
    seen.add(name);
    if (typeof weight !== 'number' || !Number.isFinite(weight) || weight <= 0) {
      throw new ValidationError(`${f}.weight`, `must be a finite number > 0 for role "${name}", got ${String(weight)}`);
    }
    return { role: name, weight };
  });
}

/**
 * What a quota may name: the shared scalars, plus (when given) the scalars the registered
 * agents offer. Without `agentScalars` any well-formed scalar name passes (start-up values,
 * before any agent is back).
 */
export interface QuotaCheckContext {
  agentScalars?: ReadonlySet<string>;
}

function checkQuantities(input: unknown, field: string, role: string, ctx: QuotaCheckContext): ScalarQuantities {
  if (input === undefined || input === null) return {};
  if (typeof input !== 'object' || Array.isArray(input)) throw new ValidationError(field, 'must be an object of resource name to amount');
  const out: Record<string, number> = {};
  for (const [name, amount] of Object.entries(input as Record<string, unknown>)) {
    const f = `${field}.${name}`;
    if (!RESOURCE_NAME.test(name)) throw new ValidationError(f, `"${name.slice(0, 80)}" is not a valid resource name`);
    if (isRangeResource(name)) throw new ValidationError(f, `${name} is a range resource; quota applies to scalar resources only`);
    const known = (QUOTA_RESOURCES as readonly string[]).includes(name) || !ctx.agentScalars || ctx.agentScalars.has(name);
    if (!known) {
      const names = [...new Set([...QUOTA_RESOURCES, ...(ctx.agentScalars ?? [])])].join(', ');
      throw new ValidationError(f, `unknown resource "${name}": no agent offers it (known: ${names})`);
    }
    if (typeof amount !== 'number' || !Number.isFinite(amount) || amount < 0 || amount > MAX_QUOTA_AMOUNT) {
      throw new ValidationError(f, `must be a finite number from 0 to ${MAX_QUOTA_AMOUNT} for role "${role}", got ${String(amount)}`);
    }
    out[name] = amount;
  }
  return out;
}

/** Checks each config of a batch on its own: role, resource names, amounts, guarantee <= limit. */
export function checkQuotaConfigs(input: unknown, ctx: QuotaCheckContext = {}, field = 'quotas'): RoleQuotaConfig[] {
  if (!Array.isArray(input) || input.length === 0) throw new ValidationError(field, 'at least one { role, guarantee, limit } is required');
  const seen = new Set<string>();
  return input.map((entry: unknown, i) => {
    const f = `${field}[${i}]`;
    if (typeof entry !== 'object' || entry === null) throw new ValidationError(f, 'must be an object { role, guarantee, limit }');
    const raw = entry as { role?: unknown; guarantee?: unknown; limit?: unknown };
    const role = checkRoleName(raw.role, `${f}.role`);
    if (role === '*') throw new ValidationError(`${f}.role`, 'quota cannot be set on the default role "*"');
    if (seen.has(role)) throw new ValidationError(`${f}.role`, `role "${role}" is listed twice`);
    seen.add(role);
    const guarantee = checkQuantities(raw.guarantee, `${f}.guarantee`, role, ctx);
    const limit = checkQuantities(raw.limit, `${f}.limit`, role, ctx);
    for (const [name, g] of Object.entries(guarantee)) {
      const l = limit[name];
      if (l !== undefined && g > l + EPSILON) throw new ValidationError(`${f}.guarantee.${name}`, `${g} exceeds the limit ${l} of role "${role}"`);
    }
    return { role, guarantee, limit };
  });
}

export function isEmptyQuota(q: RoleQuotaConfig): boolean {
  return Object.keys(q.guarantee).length === 0 && Object.keys(q.limit).length === 0;
}

interface TreeNode {
  readonly name: string;
  quota: RoleQuotaConfig | undefined;
  readonly children: Map<string, TreeNode>;
}

/** What a subtree guarantees: the role's own guarantee if it has one (it covers those below), else its sub-roles' sum. */
function guaranteed(node: TreeNode): Map<string, number> {
  const own = node.quota?.guarantee;
  if (own && Object.keys(own).length > 0) return new Map(Object.entries(own));
  const sum = new Map<string, number>();
  for (const child of node.children.values()) for (const [k, v] of guaranteed(child)) sum.set(k, (sum.get(k) ?? 0) + v);
  return sum;
}

function buildTree(quotas: Iterable<RoleQuotaConfig>): TreeNode {
  const root: TreeNode = { name: '', quota: undefined, children: new Map() };
  for (const q of quotas) {
    let node = root;
    let path = '';
    for (const segment of q.role.split('/')) {
      path = path === '' ? segment : `${path}/${segment}`;
      let child = node.children.get(segment);
      if (!child) {
        child = { name: path, quota: undefined, children: new Map() };
        node.children.set(segment, child);
      }
      node = child;
    }
    node.quota = q;
  }
  return root;
}

/** Total of the top-level guarantees (a role's guarantee already covers its sub-roles'). */
export function totalGuarantee(quotas: Iterable<RoleQuotaConfig>): Map<string, number> {
  return guaranteed(buildTree(quotas));
}

/**
 * Checks the quotas as a tree, after a batch is merged in: a role with a guarantee must
 * cover the sum of the guarantees below it, and a role with a limit must cover everything
 * guaranteed in its subtree. `fieldOf` names a role's entry in the call (undefined for a
 * role the call does not touch); the error names the call's entry that is at fault.
 */
export function checkQuotaTree(quotas: Iterable<RoleQuotaConfig>, fieldOf: (role: string) => string | undefined): void {
  const inCall = (node: TreeNode): string | undefined => {
    const own = fieldOf(node.name);
    if (own !== undefined) return own;
    for (const child of node.children.values()) {
      const f = inCall(child);
      if (f !== undefined) return f;
    }
    return undefined;
  };
  const visit = (node: TreeNode): void => {
    for (const child of node.children.values()) visit(child);
    const q = node.quota;
    if (!q) return;
    const below = new Map<string, number>();
    for (const child of node.children.values()) for (const [k, v] of guaranteed(child)) below.set(k, (below.get(k) ?? 0) + v);
    const blame = (kind: 'guarantee' | 'limit', name: string, message: string): never => {
      const own = fieldOf(node.name);
      const field = own !== undefined ? `${own}.${kind}.${name}` : (inCall(node) ?? 'quotas');
      throw new ValidationError(field, message);
    };
    if (Object.keys(q.guarantee).length > 0) {
      for (const [name, sum] of below) {
        const g = q.guarantee[name] ?? 0;
        if (sum > g + EPSILON) blame('guarantee', name, `role "${node.name}" guarantees ${g} ${name}, less than the ${sum} its sub-roles are guaranteed`);
      }
    }
    for (const [name, l] of Object.entries(q.limit)) {
      const sum = guaranteed(node).get(name) ?? 0;
      if (sum > l + EPSILON) blame('limit', name, `role "${node.name}" is limited to ${l} ${name}, less than the ${sum} guaranteed within it`);
    }
  };
  visit(buildTree(quotas));
}

/**
 * Mesos' overcommit check: the top-level guarantees must fit the registered agents' total.
 * Only a resource whose total guarantee the batch raises is checked, so a call that lowers
 * guarantees never fails here. Fails with FAILED_PRECONDITION naming the first entry of the
 * call that guarantees the resource.
 */
export function checkCapacity(
  before: Iterable<RoleQuotaConfig>,
  after: Iterable<RoleQuotaConfig>,
  capacity: (name: string) => number,
  batch: readonly RoleQuotaConfig[],
  field = 'quotas',
): void {
  const old = totalGuarantee(before);
  for (const [name, total] of totalGuarantee(after)) {
    if (total <= (old.get(name) ?? 0) + EPSILON) continue;
    const have = capacity(name);
    if (total <= have + EPSILON) continue;
    const i = batch.findIndex((q) => (q.guarantee[name] ?? 0) > 0);
    const f = i >= 0 ? `${field}[${i}].guarantee.${name}` : field;
    throw new TandemError(
      Code.FailedPrecondition,
      `${f}: the roles' guarantees would total ${total} ${name}, more than the ${have} the registered agents have (force, or --force in the CLI, skips this check)`,
      { field: f },
    );
  }
}
