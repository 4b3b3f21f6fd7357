import { Code, fieldPath, isRangeResource, TandemError, ValidationError } from '@tandem/protocol';
import { z } from 'zod';
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

const ROLE_SYNTAX = '"*" or "/"-separated segments of letters, digits, "_", "." and "-" (not empty, "." or ".."), at most 128 characters';

function isValidRole(role: string): boolean {
  return ROLE.test(role) && !role.split('/').some((s) => s === '' || s === '.' || s === '..');
}

/** A role name: `*`, or `/`-separated segments of [A-Za-z0-9_.-], none empty, `.` or `..`. */
const roleSchema = z
  .string({ error: 'is required' })
  .min(1, 'is required')
  .refine(isValidRole, { error: (iss) => `"${String(iss.input).slice(0, 140)}" is not a valid role: ${ROLE_SYNTAX}` });

/** Parses `input` with `schema`, or throws a ValidationError naming the field of the first issue (under `root`). */
function parseOrThrow<T>(schema: z.ZodType<T>, input: unknown, root: string): T {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  throw new ValidationError(fieldPath(issue?.path ?? [], root), issue?.message ?? 'is not valid');
}

/** Validates a role name: `*`, or `/`-separated segments of [A-Za-z0-9_.-], none empty, `.` or `..`. */
export function checkRoleName(role: unknown, field: string): string {
  return parseOrThrow(roleSchema, role, field);
}

/** Entries of a batch name each role once. */
function uniqueRoles(entries: readonly { role: string }[], ctx: z.RefinementCtx): void {
  const seen = new Set<string>();
  entries.forEach(({ role }, i) => {
    if (seen.has(role)) ctx.addIssue({ code: 'custom', path: [i, 'role'], message: `role "${role}" is listed twice` });
    seen.add(role);
  });
}

/** A batch of weights (the `weights` of `PUT /api/v1/weights` and of UpdateWeights): each a role once with a finite weight > 0. */
export const weightsSchema = z
  .array(
    z.object({ role: roleSchema, weight: z.unknown().optional() }, { error: 'must be an object { role, weight }' }).superRefine(({ role, weight }, ctx) => {
      if (typeof weight !== 'number' || !Number.isFinite(weight) || weight <= 0) {
        ctx.addIssue({ code: 'custom', path: ['weight'], message: `must be a finite number > 0 for role "${role}", got ${String(weight)}` });
      }
    }),
    { error: 'at least one { role, weight } is required' },
  )
  .min(1, 'at least one { role, weight } is required')
  .superRefine(uniqueRoles);

/** Checks a batch of weights (all or nothing); an entry of weight 1 resets the role to the default. */
export function checkWeights(input: unknown, field = 'weights'): RoleWeight[] {
  return parseOrThrow(weightsSchema, input, field).map(({ role, weight }) => ({ role, weight: weight as number }));
}

/**
 * What a quota may name: the shared scalars, plus (when given) the scalars the registered
 * agents offer. Without `agentScalars` any well-formed scalar name passes (start-up values,
 * before any agent is back).
 */
export interface QuotaCheckContext {
  agentScalars?: ReadonlySet<string>;
}

/** The resource amounts of a quota's guarantee or limit, checked for `role`. */
function checkQuantities(
  input: Record<string, unknown> | null | undefined,
  path: 'guarantee' | 'limit',
  role: string,
  qctx: QuotaCheckContext,
  ctx: z.RefinementCtx,
): ScalarQuantities {
  const out: Record<string, number> = {};
  for (const [name, amount] of Object.entries(input ?? {})) {
    const issue = (message: string): void => ctx.addIssue({ code: 'custom', path: [path, name], message });
    if (!RESOURCE_NAME.test(name)) issue(`"${name.slice(0, 80)}" is not a valid resource name`);
    else if (isRangeResource(name)) issue(`${name} is a range resource; quota applies to scalar resources only`);
    else if (!((QUOTA_RESOURCES as readonly string[]).includes(name) || !qctx.agentScalars || qctx.agentScalars.has(name))) {
      const names = [...new Set([...QUOTA_RESOURCES, ...(qctx.agentScalars ?? [])])].join(', ');
      issue(`unknown resource "${name}": no agent offers it (known: ${names})`);
    } else if (typeof amount !== 'number' || !Number.isFinite(amount) || amount < 0 || amount > MAX_QUOTA_AMOUNT) {
      issue(`must be a finite number from 0 to ${MAX_QUOTA_AMOUNT} for role "${role}", got ${String(amount)}`);
    } else out[name] = amount;
  }
  return out;
}

const quantitiesSchema = z.record(z.string(), z.unknown(), { error: 'must be an object of resource name to amount' }).nullish();

/**
 * A batch of quotas (the `quotas` of `PUT /api/v1/quota` and of UpdateQuota), each on its
 * own: role (not `*`, once), resource names, amounts, guarantee <= limit.
 */
export function quotasSchema(qctx: QuotaCheckContext = {}) {
  const entry = z
    .object(
      {
        role: roleSchema.refine((r) => r !== '*', 'quota cannot be set on the default role "*"'),
        guarantee: quantitiesSchema,
        limit: quantitiesSchema,
      },
      { error: 'must be an object { role, guarantee, limit }' },
    )
    .transform((raw, ctx): RoleQuotaConfig => {
      const guarantee = checkQuantities(raw.guarantee, 'guarantee', raw.role, qctx, ctx);
      const limit = checkQuantities(raw.limit, 'limit', raw.role, qctx, ctx);
      for (const [name, g] of Object.entries(guarantee)) {
        const l = limit[name];
        if (l !== undefined && g > l + EPSILON)
          ctx.addIssue({ code: 'custom', path: ['guarantee', name], message: `${g} exceeds the limit ${l} of role "${raw.role}"` });
      }
      return { role: raw.role, guarantee, limit };
    });
  return z
    .array(entry, { error: 'at least one { role, guarantee, limit } is required' })
    .min(1, 'at least one { role, guarantee, limit } is required')
    .superRefine(uniqueRoles);
}

/** Checks each config of a batch on its own: role, resource names, amounts, guarantee <= limit. */
export function checkQuotaConfigs(input: unknown, ctx: QuotaCheckContext = {}, field = 'quotas'): RoleQuotaConfig[] {
  return parseOrThrow(quotasSchema(ctx), input, field);
}

/** A REST body read as an object; anything else reads as `{}`, so the error names the missing field. */
const restBody = <T extends z.ZodRawShape>(shape: T) =>
  z.preprocess((b) => (typeof b === 'object' && b !== null && !Array.isArray(b) ? b : {}), z.object(shape));

/** `PUT /api/v1/weights`: UpdateWeightsRequest as JSON. */
export const weightsBodySchema = restBody({ weights: weightsSchema });

/** `PUT /api/v1/quota`: UpdateQuotaRequest as JSON; its quotas are checked against the registered agents by `checkQuotaConfigs`. */
export const quotaBodySchema = restBody({
  quotas: z.unknown(),
  force: z.boolean({ error: (iss) => `must be true or false, got ${JSON.stringify(iss.input)}` }).default(false),
});

/** Parses a REST body, or throws a ValidationError naming the field at fault (HTTP 400 `{message, field}`). */
export function parseRestBody<T>(schema: z.ZodType<T>, body: unknown): T {
  return parseOrThrow(schema, body, '');
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
