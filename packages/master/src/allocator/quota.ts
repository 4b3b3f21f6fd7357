import { ValidationError } from '@tandem/protocol';
import type { RoleQuota } from './allocator.js';
import type { QuotaAmount, RoleNode } from './role-tree.js';
import type { ScalarNames, ScalarVector } from './scalar-vector.js';

const EPSILON = 1e-9;

/** Validates a quota and turns it into slot amounts; `guarantee` must not exceed `limit`. */
export function quotaAmounts(role: string, quota: RoleQuota, names: ScalarNames): { guarantee: QuotaAmount[] | undefined; limit: QuotaAmount[] | undefined } {
  const read = (kind: 'guarantee' | 'limit'): QuotaAmount[] | undefined => {
    const record = quota[kind];
    if (!record) return undefined;
    return Object.entries(record).map(([name, amount]) => {
      if (typeof amount !== 'number' || !Number.isFinite(amount) || amount < 0) {
        throw new ValidationError(`quota.${kind}.${name}`, `must be a finite non-negative number for role ${role}, got ${String(amount)}`);
      }
      return { slot: names.slot(name), amount };
    });
  };
  const guarantee = read('guarantee');
  const limit = read('limit');
  for (const g of guarantee ?? []) {
    const l = limit?.find((x) => x.slot === g.slot);
    if (l && l.amount + EPSILON < g.amount) {
      throw new ValidationError(`quota.guarantee.${names.names[g.slot]}`, `exceeds the limit of role ${role}`);
    }
  }
  return { guarantee, limit };
}

/** The role holds less than its guarantee of some resource. */
export function hasUnmetGuarantee(node: RoleNode): boolean {
  for (const g of node.guarantee ?? []) if ((node.alloc[g.slot] ?? 0) + EPSILON < g.amount) return true;
  return false;
}

/** Adds the role's unmet guarantee into `into`. */
export function addUnmet(node: RoleNode, into: ScalarVector): void {
  for (const g of node.guarantee ?? []) {
    const unmet = g.amount - (node.alloc[g.slot] ?? 0);
    if (unmet > EPSILON) {
      while (into.length <= g.slot) into.push(0);
      into[g.slot] = (into[g.slot] ?? 0) + unmet;
    }
  }
}

/** The outermost role with a guarantee at or above `node`: whose unmet guarantee covers it. */
export function guaranteedAncestor(node: RoleNode): RoleNode | undefined {
  let top: RoleNode | undefined;
  for (let n: RoleNode | undefined = node; n?.parent; n = n.parent) if (n.guarantee) top = n;
  return top;
}
