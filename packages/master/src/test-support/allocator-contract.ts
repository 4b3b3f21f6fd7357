import { Resources } from '@tandem/protocol';
import { describe, expect, it } from 'vitest';
import type { Allocator } from '../allocator/allocator.js';

const r = (text: string): Resources => Resources.parse(text);
const none = new Map<string, Resources>();

/** Builds an allocator under test that reads time from `now`. */
export type MakeAllocator = (now: () => number) => Allocator;

/**
 * What every `Allocator` must do, whatever its policy beyond plain DRF: run once per
 * implementation so the simple reference and the default cannot drift apart.
 */
export function allocatorContract(name: string, make: MakeAllocator): void {
  function cluster(agents: number, text = 'cpus:4;mem:4096'): { alloc: Allocator; now: { t: number } } {
    const now = { t: 1_000_000 };
    const alloc = make(() => now.t);
    for (let i = 0; i < agents; i++) alloc.addAgent(`a${i}`, r(text), none);
    return { alloc, now };
  }

  describe(`${name} (the Allocator contract)`, () => {
    it('offers each free agent whole, once', () => {
      const { alloc } = cluster(3);
      alloc.addFramework('f1', { roles: ['*'] });
      const first = alloc.allocate();
      expect(first).toHaveLength(3);
      expect(first.every((a) => a.resources.equals(r('cpus:4;mem:4096')))).toBe(true);
      expect(alloc.allocate()).toHaveLength(0);
    });

    it('never offers more than an agent has free', () => {
      const { alloc } = cluster(1);
      alloc.addAgent('a0', r('cpus:4;mem:4096'), new Map([['f0', r('cpus:3;mem:1000')]]));
      alloc.addFramework('f1', { roles: ['*'] });
      const [offer] = alloc.allocate();
      expect(offer?.resources.equals(r('cpus:1;mem:3096'))).toBe(true);
    });

    it('splits agents between equal frameworks by dominant share', () => {
      const { alloc } = cluster(10);
      alloc.addFramework('f1', { roles: ['*'] });
      alloc.addFramework('f2', { roles: ['*'] });
      const offers = alloc.allocate();
      const count = (f: string): number => offers.filter((o) => o.frameworkId === f).length;
      expect(count('f1')).toBe(5);
      expect(count('f2')).toBe(5);
      expect(alloc.share('f1')).toBeCloseTo(0.5);
    });

    it('serves the framework with the lowest dominant share first', () => {
      const { alloc } = cluster(2);
      alloc.addFramework('big', { roles: ['*'] });
      alloc.addFramework('small', { roles: ['*'] });
      alloc.addUsed('big', 'a0', r('cpus:3;mem:100'));
      // a0 has 1 cpu left and a1 is whole: 'small' (share 0) is served before 'big' (share 3/8).
      expect(alloc.allocate()[0]?.frameworkId).toBe('small');
    });

    it('a decline filter hides the agent from that framework only, until it expires', () => {
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
      expect(alloc.allocate()).toHaveLength(0);
      now.t += 1_001;
      expect(alloc.allocate().map((a) => a.frameworkId)).toEqual(['f1']);
    });

    it('a filter does not hide resources beyond what was refused', () => {
      const { alloc } = cluster(1);
      alloc.addFramework('f1', { roles: ['*'] });
      const [o] = alloc.allocate();
      // f1 keeps 3 cpus (say, for running tasks) and declines the 1 cpu it is re-offered.
      alloc.recover('f1', 'a0', r('cpus:1;mem:1024'), 0);
      const [o2] = alloc.allocate();
      expect(o2?.resources.equals(r('cpus:1;mem:1024'))).toBe(true);
      alloc.recover('f1', 'a0', o2!.resources, 60);
      expect(alloc.allocate()).toHaveLength(0);
      alloc.recover('f1', 'a0', o!.resources.subtract(r('cpus:1;mem:1024')));
      const [o3] = alloc.allocate();
      expect(o3?.resources.equals(r('cpus:4;mem:4096'))).toBe(true);
    });

    it('suppress stops offers, revive resumes them and clears filters', () => {
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

    it('inactive agents and frameworks get no offers', () => {
      const { alloc } = cluster(2);
      alloc.addFramework('f1', { roles: ['*'] });
      alloc.setAgentActive('a0', false);
      expect(alloc.allocate().map((a) => a.agentId)).toEqual(['a1']);
      alloc.setFrameworkActive('f1', false);
      alloc.setAgentActive('a0', true);
      expect(alloc.allocate()).toHaveLength(0);
      alloc.setFrameworkActive('f1', true);
      expect(alloc.allocate().map((a) => a.agentId)).toEqual(['a0']);
    });

    it('does not offer an agent with less than the minimum free', () => {
      const { alloc } = cluster(1, 'cpus:0.005;mem:16;disk:100');
      alloc.addFramework('f1', { roles: ['*'] });
      expect(alloc.allocate()).toHaveLength(0);
    });
  });
}
