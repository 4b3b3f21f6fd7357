import { Resources } from '@tandem/protocol';
import { describe, expect, it } from 'vitest';
import { DrfAllocator } from './drf-allocator.js';

const r = (text: string): Resources => Resources.parse(text);
const none = new Map<string, Resources>();

function cluster(agents: number, text = 'cpus:4;mem:4096'): { alloc: DrfAllocator; now: { t: number } } {
  const now = { t: 1_000_000 };
  const alloc = new DrfAllocator({ now: () => now.t });
  for (let i = 0; i < agents; i++) alloc.addAgent(`a${i}`, r(text), none);
  return { alloc, now };
}

describe('DrfAllocator', () => {
  it('allocator - offers each free agent whole, once', () => {
    const { alloc } = cluster(3);
    alloc.addFramework('f1', { roles: ['*'] });
    const first = alloc.allocate();
    expect(first).toHaveLength(3);
    expect(first.every((a) => a.resources.equals(r('cpus:4;mem:4096')))).toBe(true);
    expect(alloc.allocate()).toHaveLength(0);
  });

  it('allocator - never offers more than an agent has free', () => {
    const { alloc } = cluster(1);
    alloc.addAgent('a0', r('cpus:4;mem:4096'), new Map([['f0', r('cpus:3;mem:1000')]]));
    alloc.addFramework('f1', { roles: ['*'] });
    const [offer] = alloc.allocate();
    expect(offer?.resources.equals(r('cpus:1;mem:3096'))).toBe(true);
  });

  it('allocator - splits agents between equal frameworks by dominant share', () => {
    const { alloc } = cluster(10);
    alloc.addFramework('f1', { roles: ['*'] });
    alloc.addFramework('f2', { roles: ['*'] });
    const offers = alloc.allocate();
    const count = (f: string): number => offers.filter((o) => o.frameworkId === f).length;
    expect(count('f1')).toBe(5);
    expect(count('f2')).toBe(5);
    expect(alloc.share('f1')).toBeCloseTo(0.5);
  });

  it('allocator - serves the framework with the lowest dominant share first', () => {
    const { alloc } = cluster(2);
    alloc.addFramework('big', { roles: ['*'] });
    alloc.addFramework('small', { roles: ['*'] });
    alloc.addUsed('big', 'a0', r('cpus:3;mem:100'));
    const offers = alloc.allocate();
    // a0 has 1 cpu left and a1 is whole: 'small' (share 0) is served before 'big' (share 3/8).
    expect(offers.find((o) => o.frameworkId === 'small')).toBeDefined();
    expect(offers[0]?.frameworkId).toBe('small');
  });

  it('allocator - a decline filter hides the agent from that framework only, until it expires', () => {
    const { alloc, now } = cluster(1);
    alloc.addFramework('f1', { roles: ['*'] });
    const [o] = alloc.allocate();
    expect(o?.frameworkId).toBe('f1');
    alloc.recover('f1', 'a0', o!.resources, 5);
    expect(alloc.allocate()).toHaveLength(0);
    alloc.addFramework('f2', { roles: ['*'] });
    const [o2] = alloc.allocate();
    expect(o2?.frameworkId).toBe('f2');
    alloc.recover('f2', 'a0', o2!.resources, 0);
    now.t += 4_000;
    expect(alloc.allocate().map((a) => a.frameworkId)).toEqual(['f2']);
    alloc.recover('f2', 'a0', r('cpus:4;mem:4096'), 100);
    now.t += 1_001;
    expect(alloc.allocate().map((a) => a.frameworkId)).toEqual(['f1']);
  });

  it('allocator - a filter does not hide resources beyond what was refused', () => {
    const { alloc } = cluster(1);
    alloc.addFramework('f1', { roles: ['*'] });
    const [o] = alloc.allocate();
    alloc.recover('f1', 'a0', r('cpus:1;mem:1024'), 0);
    // f1 holds 3 cpus (say, running tasks); declines the 1 cpu it was re-offered.
    const [o2] = alloc.allocate();
    expect(o2?.resources.equals(r('cpus:1;mem:1024'))).toBe(true);
    alloc.recover('f1', 'a0', o2!.resources, 60);
    expect(alloc.allocate()).toHaveLength(0);
    alloc.recover('f1', 'a0', o!.resources.subtract(r('cpus:1;mem:1024')));
    const [o3] = alloc.allocate();
    expect(o3?.resources.equals(r('cpus:4;mem:4096'))).toBe(true);
  });

  it('allocator - suppress stops offers, revive resumes them and clears filters', () => {
    const { alloc } = cluster(1);
    alloc.addFramework('f1', { roles: ['*'] });
    alloc.suppress('f1');
    expect(alloc.allocate()).toHaveLength(0);
    alloc.revive('f1');
    const [o] = alloc.allocate();
    alloc.recover('f1', 'a0', o!.resources, 3600);
    expect(alloc.allocate()).toHaveLength(0);
    alloc.revive('f1');
    expect(alloc.allocate()).toHaveLength(1);
  });

  it('allocator - inactive agents and frameworks get no offers', () => {
    const { alloc } = cluster(2);
    alloc.addFramework('f1', { roles: ['*'] });
    alloc.setAgentActive('a0', false);
    expect(alloc.allocate().map((a) => a.agentId)).toEqual(['a1']);
    alloc.setFrameworkActive('f1', false);
    alloc.setAgentActive('a0', true);
    expect(alloc.allocate()).toHaveLength(0);
  });

  it('allocator - does not offer an agent with less than the minimum free', () => {
    const { alloc } = cluster(1, 'cpus:0.005;mem:16;disk:100');
    alloc.addFramework('f1', { roles: ['*'] });
    expect(alloc.allocate()).toHaveLength(0);
  });
});
