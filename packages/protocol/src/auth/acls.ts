import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { ValidationError } from '../errors.js';
import { fieldPath } from '../http/zod-details.js';
import { ACL_ACTIONS, ACL_OBJECTS, type AclAction, isAclAction } from './acl-actions.js';

export { ACL_ACTIONS, ACL_OBJECTS, type AclAction, isAclAction } from './acl-actions.js';

/** The verdict on one request, and why. */
export interface AclDecision {
  allowed: boolean;
  /** The rule that decided, e.g. `register_frameworks[1]`, or `permissive` when no rule applied. */
  rule: string;
  /** One readable sentence: who, what, on what, and the rule. */
  reason: string;
}

/** An entity: glob values, or ANY / NONE. */
export type AclEntity = { values: readonly string[] } | { type: 'ANY' | 'NONE' };

export interface AclRule {
  principals: AclEntity;
  object: AclEntity;
}

/** `$self` on a rule's object side: the caller's own principal. */
export const SELF = '$self';

const TYPES = ['ANY', 'NONE'] as const;

const entitySchema = z
  .object({
    values: z.array(z.string().min(1, 'a value must not be empty')).min(1, 'values must hold at least one value').optional(),
    type: z.enum(TYPES, { message: 'type must be "ANY" or "NONE"' }).optional(),
  })
  .strict()
  .superRefine((v, ctx) => {
    if ((v.values === undefined) === (v.type === undefined))
      ctx.addIssue({ code: 'custom', message: 'an entity is either {"values": [...]} or {"type": "ANY" | "NONE"}, exactly one of them' });
  });

function ruleSchema(object: string) {
  return z.object({ principals: entitySchema, [object]: entitySchema }).strict();
}

const fileSchema = z
  .object({
    permissive: z.boolean({ message: 'permissive must be true or false' }).optional(),
    ...Object.fromEntries(ACL_ACTIONS.map((a) => [a, z.array(ruleSchema(ACL_OBJECTS[a]), { message: `${a} must be a list of rules` }).optional()])),
  })
  .strict();

type ZodIssue = { path: PropertyKey[]; message: string; code: string; keys?: string[] };

function allowedKeysAt(path: readonly PropertyKey[]): string[] {
  if (path.length === 0) return ['permissive', ...ACL_ACTIONS];
  const action = path[0];
  if (path.length === 2 && typeof action === 'string' && isAclAction(action)) return ['principals', ACL_OBJECTS[action]];
  return ['values', 'type'];
}

function describeIssue(issue: ZodIssue): { path: string; message: string } {
  if (issue.code === 'unrecognized_keys' && issue.keys && issue.keys.length > 0) {
    const key = issue.keys[0]!;
    const path = [...issue.path, key];
    return { path: fieldPath(path) || key, message: `unknown field ${JSON.stringify(key)} (allowed here: ${allowedKeysAt(issue.path).join(', ')})` };
  }
  let message = issue.message;
  // A rule without its subject or object: say which field is missing.
  if (issue.code === 'invalid_type' && /received undefined/.test(message)) message = 'missing: an entity, {"values": [...]} or {"type": "ANY" | "NONE"}';
  return { path: fieldPath(issue.path) || '(top level)', message };
}

function entityOf(raw: { values?: string[] | undefined; type?: 'ANY' | 'NONE' | undefined }): AclEntity {
  return raw.values !== undefined ? { values: raw.values } : { type: raw.type ?? 'ANY' };
}

/** `*` matches any run of characters (also none); everything else is literal. */
export function globMatch(glob: string, s: string): boolean {
  if (!glob.includes('*')) return glob === s;
  const re = new RegExp(
    `^${glob
      .split('*')
      .map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*')}$`,
    's',
  );
  return re.test(s);
}

/** `/a/b/c` -> `/a`, `/a/b`, `/a/b/c` (and `/` for the root): a group covers what lies under it. */
function groupAndAncestors(group: string): string[] {
  const parts = group.split('/').filter(Boolean);
  const out = ['/'];
  for (let i = 1; i <= parts.length; i++) out.push(`/${parts.slice(0, i).join('/')}`);
  return out;
}

const trimSlash = (g: string): string => (g.length > 1 ? g.replace(/\/+$/, '') : g);

function show(entity: AclEntity): string {
  return 'values' in entity ? JSON.stringify(entity.values) : entity.type;
}

/**
 * ACLs as data (Mesos' vocabulary): per action, rules tried in order; the first whose
 * `principals` matches the caller decides (NONE on its object side denies, a matching
 * object allows, else the next rule); when none applies, `permissive` decides.
 */
export class Acls {
  /** Whether a request no rule applies to is allowed. */
  readonly permissiveDefault: boolean;
  private readonly rules: ReadonlyMap<AclAction, readonly AclRule[]>;
  /** Where the ACLs came from (a file, or `permissive` when there is none). */
  readonly source: string;

  constructor(o: { permissive?: boolean; rules?: Partial<Record<AclAction, readonly AclRule[]>>; source?: string } = {}) {
    this.permissiveDefault = o.permissive ?? true;
    this.rules = new Map(Object.entries(o.rules ?? {}) as [AclAction, AclRule[]][]);
    this.source = o.source ?? 'permissive';
  }

  /** No ACL file: every request is allowed, as before ACLs existed. */
  static permissive(): Acls {
    return new Acls();
  }

  /** Whether any rule is given or the default is deny (else every decision is `permissive`). */
  get configured(): boolean {
    return !this.permissiveDefault || [...this.rules.values()].some((r) => r.length > 0);
  }

  /** The rules of one action, in order. */
  rulesOf(action: AclAction): readonly AclRule[] {
    return this.rules.get(action) ?? [];
  }

  decide(action: AclAction, principal: string | undefined, object: string): AclDecision {
    const objectKind = ACL_OBJECTS[action];
    const who = principal === undefined ? 'an unauthenticated caller' : `principal ${JSON.stringify(principal)}`;
    const what = `${action} on ${objectKind} ${JSON.stringify(object)}`;
    const rules = this.rulesOf(action);
    for (let i = 0; i < rules.length; i++) {
      const r = rules[i]!;
      if (!subjectMatches(r.principals, principal)) continue;
      const rule = `${action}[${i}]`;
      if ('type' in r.object && r.object.type === 'NONE')
        return { allowed: false, rule, reason: `${who} may not ${what}: rule ${rule} gives it ${objectKind} NONE` };
      if (objectMatches(r.object, objectKind, object, principal))
        return { allowed: true, rule, reason: `${who} may ${what}: rule ${rule} gives it ${objectKind} ${show(r.object)}` };
    }
    const rule = 'permissive';
    const none = rules.length === 0 ? `there is no ${action} rule` : `no ${action} rule gives ${who} this ${objectKind}`;
    return this.permissiveDefault
      ? { allowed: true, rule, reason: `${who} may ${what}: ${none}, and the ACLs are permissive` }
      : { allowed: false, rule, reason: `${who} may not ${what}: ${none}, and the ACLs deny by default (permissive: false)` };
  }
}

function subjectMatches(entity: AclEntity, principal: string | undefined): boolean {
  if ('type' in entity) return entity.type === 'ANY';
  if (principal === undefined) return false;
  return entity.values.some((g) => globMatch(g, principal));
}

function objectMatches(entity: AclEntity, kind: string, object: string, caller: string | undefined): boolean {
  if ('type' in entity) return entity.type === 'ANY';
  const candidates = kind === 'groups' ? groupAndAncestors(trimSlash(object)) : [object];
  return entity.values.some((v) => {
    if (v === SELF) return caller !== undefined && (kind === 'framework_principals' || kind === 'principals') && object === caller;
    const glob = kind === 'groups' ? trimSlash(v) : v;
    return candidates.some((c) => globMatch(glob, c));
  });
}

/**
 * Parses an ACL file, JSON or YAML. `source` names it in errors (e.g. `--acls /etc/acls.yaml`);
 * a bad file is a ValidationError naming the source, the field's path (`run_tasks[0].users.values`)
 * and what is allowed there.
 */
export function parseAcls(text: string, source: string): Acls {
  let raw: unknown;
  const json = /^\s*[{[]/.test(text);
  try {
    raw = json ? JSON.parse(text) : parseYaml(text);
  } catch (err) {
    const message = `not valid ${json ? 'JSON' : 'YAML'}: ${(err as Error).message.split('\n')[0]}`;
    throw new ValidationError([{ path: '/', errors: [message] }], `${source}: ${message}`);
  }
  if (raw === null || raw === undefined || typeof raw !== 'object' || Array.isArray(raw)) {
    const message = `expected an object such as {"permissive": false, "register_frameworks": [...]}, got ${raw === null || raw === undefined ? 'nothing' : Array.isArray(raw) ? 'a list' : typeof raw}`;
    throw new ValidationError([{ path: '/', errors: [message] }], `${source}: ${message}`);
  }
  const parsed = fileSchema.safeParse(raw);
  if (!parsed.success) {
    // An unknown field first: a misspelt entity name is also reported missing under its right name.
    const raw = parsed.error.issues as unknown as ZodIssue[];
    const ordered = [...raw.filter((i) => i.code === 'unrecognized_keys'), ...raw.filter((i) => i.code !== 'unrecognized_keys')];
    const issues = ordered.map(describeIssue);
    const first = issues[0]!;
    throw new ValidationError(
      issues.map((i) => ({ path: i.path, errors: [i.message] })),
      `${source}: ${first.path}: ${first.message}`,
    );
  }
  const data = parsed.data as Record<string, unknown>;
  const rules: Partial<Record<AclAction, AclRule[]>> = {};
  for (const action of ACL_ACTIONS) {
    const list = data[action] as Record<string, { values?: string[]; type?: 'ANY' | 'NONE' }>[] | undefined;
    if (!list) continue;
    rules[action] = list.map((r) => ({ principals: entityOf(r.principals!), object: entityOf(r[ACL_OBJECTS[action]]!) }));
  }
  return new Acls({ permissive: (data.permissive as boolean | undefined) ?? true, rules, source });
}
