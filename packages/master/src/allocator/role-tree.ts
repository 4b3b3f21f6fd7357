import { ValidationError } from '@tandem/protocol';
import { type Ranked, RankHeap } from './rank-heap.js';
import { addInto, type ScalarVector, subtractInto } from './scalar-vector.js';

/** One scalar of a quota: the vector slot of the resource and the amount. */
export interface QuotaAmount {
  readonly slot: number;
  readonly amount: number;
}

/** One framework subscribed to one role: the unit the role's framework sorter orders. */
export interface Client extends Ranked {
  readonly frameworkId: string;
  readonly role: RoleNode;
  /** What the framework holds in this role (offered + used). */
  readonly alloc: ScalarVector;
  readonly perAgent: Map<string, ScalarVector>;
  /** The framework subscribes to the role now (a dropped role keeps its client until its resources come back). */
  subscribed: boolean;
  /** Subscribed, active and not suppressed: may be offered resources. */
  eligible: boolean;
}

/**
 * The frameworks subscribed to a role that also has sub-roles compete with those
 * sub-roles as one more child, as Mesos' hierarchical sorter does with its "." leaf.
 */
export class SelfLeaf implements Ranked {
  rank = 0;
  pos = -1;
  readonly alloc: ScalarVector = [];
  readonly clients = new RankHeap<Client>();
  eligible = 0;
  constructor(
    readonly node: RoleNode,
    readonly seq: number,
  ) {}
}

export class RoleNode implements Ranked {
  rank = 0;
  pos = -1;
  weight = 1;
  guarantee: readonly QuotaAmount[] | undefined;
  limit: readonly QuotaAmount[] | undefined;
  /** What the role and its sub-roles hold. */
  readonly alloc: ScalarVector = [];
  readonly children = new Map<string, RoleNode>();
  /** Children and the self leaf, by weighted dominant share. */
  readonly order = new RankHeap<RoleNode | SelfLeaf>();
  readonly self: SelfLeaf;
  /** Eligible clients in the subtree: a subtree with none is skipped. */
  eligible = 0;
  /** Some role in the subtree (this one included) has a guarantee. */
  guaranteeBelow = false;

  constructor(
    readonly name: string,
    readonly parent: RoleNode | undefined,
    readonly seq: number,
    selfSeq: number,
  ) {
    this.self = new SelfLeaf(this, selfSeq);
    this.order.insert(this.self);
  }
}

/** Validates a role name: `*`, or `/`-separated segments without spaces, `.` or `..`. */
export function checkRole(role: string, field = 'role'): string {
  if (role === '*') return role;
  const segments = role.split('/');
  for (const s of segments) {
    if (s === '' || s === '.' || s === '..' || /\s/.test(s) || s.includes('*')) {
      throw new ValidationError(field, `"${role}" is not a valid role`);
    }
  }
  return role;
}

/** Dominant share of `v` over the cluster total, counting only the given slots. */
export type ShareOf = (v: ScalarVector) => number;

/** The role hierarchy with its DRF sorters at every level. */
export class RoleTree {
  private seq = 0;
  readonly root: RoleNode = new RoleNode('', undefined, this.seq++, this.seq++);

  get(role: string): RoleNode | undefined {
    let node: RoleNode | undefined = this.root;
    for (const segment of role === '*' ? ['*'] : role.split('/')) {
      node = node.children.get(segment);
      if (!node) return undefined;
    }
    return node;
  }

  ensure(role: string): RoleNode {
    checkRole(role);
    let node = this.root;
    let path = '';
    for (const segment of role === '*' ? ['*'] : role.split('/')) {
      path = path === '' ? segment : `${path}/${segment}`;
      let child = node.children.get(segment);
      if (!child) {
        child = new RoleNode(path, node, this.seq++, this.seq++);
        node.children.set(segment, child);
        node.order.insert(child);
      }
      node = child;
    }
    return node;
  }

  *nodes(from: RoleNode = this.root): Generator<RoleNode> {
    yield from;
    for (const child of from.children.values()) yield* this.nodes(child);
  }

  /** Adds (sign 1) or removes (sign -1) an eligible client along the chain. */
  countEligible(client: Client, sign: 1 | -1): void {
    client.role.self.eligible += sign;
    for (let n: RoleNode | undefined = client.role; n; n = n.parent) n.eligible += sign;
  }

  /** Charges `v` to the client, its role and every ancestor, and re-sorts them. */
  charge(client: Client, agentId: string, v: ScalarVector, shareOf: ShareOf): void {
    const held = client.perAgent.get(agentId);
    if (held) addInto(held, v);
    else client.perAgent.set(agentId, [...v]);
    this.account(client, v, shareOf, addInto);
  }

  /** Takes `v` (at most what is held there) back from the client on that agent; returns what was taken. */
  uncharge(client: Client, agentId: string, v: ScalarVector, shareOf: ShareOf): ScalarVector {
    const held = client.perAgent.get(agentId);
    if (!held) return [];
    const taken: ScalarVector = [];
    let left = false;
    for (let i = 0; i < held.length; i++) {
      const t = Math.min(held[i] ?? 0, v[i] ?? 0);
      taken.push(t);
      if ((held[i] ?? 0) - t > 1e-9) left = true;
    }
    if (left) subtractInto(held, taken);
    else client.perAgent.delete(agentId);
    this.account(client, taken, shareOf, subtractInto);
    return taken;
  }

  /** Recomputes every rank from the allocations (after the cluster total changed) and re-sorts. */
  rerank(shareOf: ShareOf): void {
    for (const node of this.nodes()) {
      node.rank = shareOf(node.alloc) / node.weight;
      node.self.rank = shareOf(node.self.alloc) / node.weight;
      for (const c of node.self.clients.items) c.rank = shareOf(c.alloc);
    }
    for (const node of this.nodes()) {
      node.order.resort();
      node.self.clients.resort();
    }
  }

  /** Re-sorts a role after its weight changed. */
  reweigh(node: RoleNode, shareOf: ShareOf): void {
    node.order.update(node.self, shareOf(node.self.alloc) / node.weight);
    node.parent?.order.update(node, shareOf(node.alloc) / node.weight);
  }

  private account(client: Client, v: ScalarVector, shareOf: ShareOf, op: (target: ScalarVector, v: ScalarVector) => void): void {
    op(client.alloc, v);
    const self = client.role.self;
    self.clients.update(client, shareOf(client.alloc));
    op(self.alloc, v);
    client.role.order.update(self, shareOf(self.alloc) / client.role.weight);
    for (let n: RoleNode = client.role; n.parent; n = n.parent) {
      op(n.alloc, v);
      n.parent.order.update(n, shareOf(n.alloc) / n.weight);
    }
  }
}
