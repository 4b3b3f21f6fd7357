import { Resources } from '@tandem/protocol';
import { describe, expect, it } from 'vitest';
import { allocatorContract } from '../test-support/allocator-contract.js';
import type { Allocation } from './allocator.js';
import { HierarchicalAllocator } from './hierarchical-allocator.js';

const r = (text: string): Resources => Resources.parse(text);
const none = new Map<string, Resources>();

function cluster(agents: number, text = 'cpus:4;mem:4096'): { alloc: HierarchicalAllocator; now: { t: number } } {
  const now = { t: 1_000_000 };
  const alloc = new HierarchicalAllocator({ now: () => now.t, shuffle: false });
  for (let i = 0; i < agents; i++) alloc.addAgent(`a${i}`, r(text), none);
  return { alloc, now };
}

const count = (offers: Allocation[], key: (o: Allocation) => string | undefined, value: string): number => offers.filter((o) => key(o) === value).length;
const byFw = (offers: Allocation[], f: string): number => count(offers, (o) => o.frameworkId, f);
const byRole = (offers: Allocation[], role: string): number => count(offers, (o) => o.role, role);
const sum = (offers: Allocation[], name: string): number => offers.reduce((n, o) => n + o.resources.scalar(name), 0);

allocatorContract('HierarchicalAllocator', (now) => new HierarchicalAllocator({ now, shuffle: false }));

describe('HierarchicalAllocator', () => {
  it('allocator - offers each free agent whole, once, with its role', () => {
    const { alloc } = cluster(3);
    alloc.addFramework('f1', { roles: ['*'] });
    const first = alloc.allocate();
    expect(first).toHaveLength(3);
    expect(first.every((a) => a.resources.equals(r('cpus:4;mem:4096')) && a.role === '*')).toBe(true);
    expect(alloc.allocate()).toHaveLength(0);
  });

  it('weights - a role of weight 3 gets three times the agents of a role of weight 1', () => {
    const { alloc } = cluster(40);
    alloc.setWeight('heavy', 3);
    alloc.addFramework('h', { roles: ['heavy'] });
    alloc.addFramework('l', { roles: ['light'] });
    const offers = alloc.allocate();
    expect(byRole(offers, 'heavy')).toBe(30);
    expect(byRole(offers, 'light')).toBe(10);
    expect(alloc.roleShare('heavy')).toBeCloseTo(0.75);
  });

  it('weights - rejects a weight that is not positive', () => {
    const { alloc } = cluster(1);
    expect(() => alloc.setWeight('a', 0)).toThrow(/positive/);
    expect(() => alloc.setWeight('a', Number.NaN)).toThrow(/positive/);
  });

  it('nested roles - DRF first between top-level roles, then between their children', () => {
    const { alloc } = cluster(40);
    // eng has two sub-roles with two frameworks between them; ops has one framework.
    alloc.addFramework('web', { roles: ['eng/web'] });
    alloc.addFramework('batch1', { roles: ['eng/batch'] });
    alloc.addFramework('batch2', { roles: ['eng/batch'] });
    alloc.addFramework('ops', { roles: ['ops'] });
    const offers = alloc.allocate();
    expect(byRole(offers, 'ops')).toBe(20);
    expect(byRole(offers, 'eng/web')).toBe(10);
    expect(byRole(offers, 'eng/batch')).toBe(10);
    expect(byFw(offers, 'batch1')).toBe(5);
    expect(alloc.roleShare('eng')).toBeCloseTo(0.5);
  });

  it('nested roles - a framework in a parent role competes with its sub-roles as one more child', () => {
    const { alloc } = cluster(30);
    alloc.addFramework('p', { roles: ['a'] });
    alloc.addFramework('c1', { roles: ['a/x'] });
    alloc.addFramework('c2', { roles: ['a/y'] });
    const offers = alloc.allocate();
    expect(byFw(offers, 'p')).toBe(10);
    expect(byFw(offers, 'c1')).toBe(10);
    expect(byFw(offers, 'c2')).toBe(10);
  });

  it('nested roles - rejects malformed role names', () => {
    const { alloc } = cluster(1);
    expect(() => alloc.addFramework('f', { roles: ['a//b'] })).toThrow(/not a valid role/);
    expect(() => alloc.addFramework('f', { roles: ['a/*'] })).toThrow(/not a valid role/);
  });

  it('frameworks with several roles - offers carry the role, resources go back to that role', () => {
    const { alloc } = cluster(4);
    alloc.addFramework('f', { roles: ['x', 'y'] });
    const offers = alloc.allocate();
    expect(byRole(offers, 'x')).toBe(2);
    expect(byRole(offers, 'y')).toBe(2);
    const o = offers.find((a) => a.role === 'y')!;
    alloc.recover('f', o.agentId, o.resources, 0, 'y');
    expect(alloc.roleAllocation('y')).toEqual({ cpus: 4, mem: 4096 });
    expect(alloc.roleAllocation('x')).toEqual({ cpus: 8, mem: 8192 });
  });

  it('quota - a guarantee is served before a role with a lower share', () => {
    const { alloc } = cluster(10);
    alloc.addFramework('other', { roles: ['other'] });
    alloc.addFramework('q', { roles: ['q'] });
    alloc.addUsed('q', 'a0', r('cpus:4;mem:4096')); // q already holds a whole agent.
    alloc.setQuota('q', { guarantee: { cpus: 20 } });
    const offers = alloc.allocate();
    // q needs 16 more cpus: four agents; the rest (five agents) goes to other.
    expect(byRole(offers, 'q')).toBe(4);
    expect(byRole(offers, 'other')).toBe(5);
  });

  it('quota - unmet guarantees are held as headroom even without demand in the role', () => {
    const { alloc } = cluster(10);
    alloc.setQuota('reserved', { guarantee: { cpus: 12, mem: 12288 } });
    alloc.addFramework('greedy', { roles: ['greedy'] });
    const offers = alloc.allocate();
    expect(sum(offers, 'cpus')).toBe(28);
    alloc.addFramework('r', { roles: ['reserved'] });
    const later = alloc.allocate();
    expect(byRole(later, 'reserved')).toBe(3);
  });

  it('quota - a role never holds more than its limit, offers cut to fit', () => {
    const { alloc } = cluster(5);
    alloc.setQuota('capped', { limit: { cpus: 6 } });
    alloc.addFramework('c', { roles: ['capped'] });
    const offers = alloc.allocate();
    expect(sum(offers, 'cpus')).toBe(6);
    expect(offers).toHaveLength(2);
    expect(offers.map((o) => o.resources.cpus).sort()).toEqual([2, 4]);
    // Free cpus elsewhere are not offered to it until it gives some back.
    expect(alloc.allocate()).toHaveLength(0);
    alloc.recover('c', offers[0]!.agentId, offers[0]!.resources);
    const again = alloc.allocate();
    expect(sum(again, 'cpus')).toBe(offers[0]!.resources.cpus);
  });

  it('quota - the limit of a parent role caps its sub-roles', () => {
    const { alloc } = cluster(5);
    alloc.setQuota('p', { limit: { cpus: 8 } });
    alloc.addFramework('x', { roles: ['p/x'] });
    alloc.addFramework('y', { roles: ['p/y'] });
    const offers = alloc.allocate();
    expect(sum(offers, 'cpus')).toBe(8);
    expect(alloc.roleAllocation('p').cpus).toBe(8);
  });

  it('quota - rejects a guarantee above the limit and negative amounts', () => {
    const { alloc } = cluster(1);
    expect(() => alloc.setQuota('q', { guarantee: { cpus: 5 }, limit: { cpus: 4 } })).toThrow(/exceeds the limit/);
    expect(() => alloc.setQuota('q', { limit: { cpus: -1 } })).toThrow(/non-negative/);
  });

  it('quota - clearing a quota lifts the limit', () => {
    const { alloc } = cluster(3);
    alloc.setQuota('c', { limit: { cpus: 4 } });
    alloc.addFramework('c', { roles: ['c'] });
    expect(alloc.allocate()).toHaveLength(1);
    alloc.setQuota('c', undefined);
    expect(alloc.allocate()).toHaveLength(2);
  });

  it('filters - refuse_seconds of Infinity hides the agent until revive', () => {
    const { alloc, now } = cluster(1);
    alloc.addFramework('f1', { roles: ['*'] });
    const [o] = alloc.allocate();
    alloc.recover('f1', 'a0', o!.resources, Number.POSITIVE_INFINITY);
    now.t += 1e12;
    expect(alloc.allocate()).toHaveLength(0);
    alloc.revive('f1');
    expect(alloc.allocate()).toHaveLength(1);
  });

  it("suppress - per role: a suppressed role gets nothing while the framework's other role is served", () => {
    const { alloc } = cluster(4);
    alloc.addFramework('f', { roles: ['x', 'y'], suppressedRoles: ['x'] });
    const offers = alloc.allocate();
    expect(byRole(offers, 'y')).toBe(4);
    for (const o of offers) alloc.recover('f', o.agentId, o.resources, 0, o.role);
    alloc.suppress('f', ['y']);
    expect(alloc.allocate()).toHaveLength(0);
    alloc.revive('f', ['x']);
    expect(byRole(alloc.allocate(), 'x')).toBe(4);
  });

  it('allocator - removing an agent or a framework gives back its share', () => {
    const { alloc } = cluster(2);
    alloc.addFramework('f1', { roles: ['*'] });
    alloc.allocate();
    expect(alloc.share('f1')).toBeCloseTo(1);
    alloc.removeAgent('a1');
    expect(alloc.share('f1')).toBeCloseTo(1);
    expect(alloc.roleAllocation('*')).toEqual({ cpus: 4, mem: 4096 });
    alloc.removeFramework('f1');
    expect(alloc.roleAllocation('*')).toEqual({});
    alloc.recover('f1', 'a0', r('cpus:4;mem:4096'));
    alloc.addFramework('f2', { roles: ['*'] });
    expect(alloc.allocate().map((a) => a.frameworkId)).toEqual(['f2']);
  });

  it('incremental - a pass only looks at agents whose free resources changed', () => {
    const { alloc } = cluster(100);
    alloc.addFramework('f1', { roles: ['*'] });
    const offers = alloc.allocate();
    expect(offers).toHaveLength(100);
    alloc.recover('f1', 'a7', offers.find((o) => o.agentId === 'a7')!.resources);
    expect(alloc.allocate().map((a) => a.agentId)).toEqual(['a7']);
    expect(alloc.allocate()).toHaveLength(0);
  });

  it('incremental - free agents left over are offered to a framework that arrives later', () => {
    const { alloc } = cluster(3);
    alloc.addFramework('f1', { roles: ['*'] });
    const offers = alloc.allocate();
    for (const o of offers) alloc.recover('f1', o.agentId, o.resources, 60);
    expect(alloc.allocate()).toHaveLength(0);
    alloc.addFramework('f2', { roles: ['*'] });
    expect(alloc.allocate().filter((o) => o.frameworkId === 'f2')).toHaveLength(3);
  });
});
