import { Resources } from '@tandem/protocol';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Allocation } from './allocator.js';
import { HierarchicalAllocator } from './hierarchical-allocator.js';

// Random workloads against a model kept by the test: what every agent has free, what every
// (framework, role) holds where, the filters, suppressed roles and inactive agents. After
// every pass the invariants are checked against the model, not against the allocator.

const EPS = 1e-6;
const ROLES = ['*', 'a', 'b', 'a/x', 'a/y', 'c/d'] as const;
const TOP_QUOTA_ROLES = ['a', 'b', 'c'] as const;

const agentArb = fc.record({ cpus: fc.integer({ min: 1, max: 16 }), mem: fc.integer({ min: 256, max: 16384 }) });
const frameworkArb = fc.record({ roles: fc.uniqueArray(fc.constantFrom(...ROLES), { minLength: 1, maxLength: 2 }) });
const quotaArb = fc.record({
  guarantee: fc.option(fc.integer({ min: 0, max: 24 }), { nil: undefined }),
  extra: fc.option(fc.integer({ min: 0, max: 24 }), { nil: undefined }),
});
const commandArb = fc.oneof(
  fc.record({ kind: fc.constant('allocate' as const) }),
  fc.record({ kind: fc.constant('decline' as const), pick: fc.nat(), refuse: fc.constantFrom(0, 1, 5, 60) }),
  fc.record({ kind: fc.constant('finish' as const), pick: fc.nat(), part: fc.constantFrom(0.25, 0.5, 1) }),
  fc.record({ kind: fc.constant('tick' as const), seconds: fc.integer({ min: 1, max: 30 }) }),
  fc.record({ kind: fc.constant('suppress' as const), fw: fc.nat(), role: fc.option(fc.constantFrom(...ROLES), { nil: undefined }) }),
  fc.record({ kind: fc.constant('revive' as const), fw: fc.nat() }),
  fc.record({ kind: fc.constant('agentActive' as const), agent: fc.nat(), active: fc.boolean() }),
);

const workloadArb = fc.record({
  agents: fc.array(agentArb, { minLength: 1, maxLength: 12 }),
  frameworks: fc.array(frameworkArb, { minLength: 1, maxLength: 6 }),
  weights: fc.dictionary(fc.constantFrom(...ROLES, 'c'), fc.constantFrom(0.5, 1, 2, 3)),
  quotas: fc.dictionary(fc.constantFrom(...TOP_QUOTA_ROLES), quotaArb),
  commands: fc.array(commandArb, { maxLength: 40 }),
});

interface Held {
  fw: string;
  role: string;
  agent: string;
  resources: Resources;
}

interface Filter {
  refused: Resources;
  expiresAt: number;
}

const ancestors = (role: string): string[] => {
  if (role === '*') return ['*'];
  const parts = role.split('/');
  return parts.map((_, i) => parts.slice(0, i + 1).join('/'));
};

describe('HierarchicalAllocator properties', () => {
  it('invariants - never over-offers, honours limits, filters, suppression and guarantee headroom', () => {
    fc.assert(
      fc.property(workloadArb, (w) => {
        const now = { t: 1_000_000 };
        const alloc = new HierarchicalAllocator({ now: () => now.t });
        const total = new Map<string, Resources>();
        const free = new Map<string, Resources>();
        const active = new Map<string, boolean>();
        const held: Held[] = [];
        const filters = new Map<string, Filter>(); // `${fw} ${agent}`
        const suppressed = new Set<string>(); // `${fw} ${role}`
        const fwRoles = new Map<string, readonly string[]>();
        const limits = new Map<string, number>();
        const guarantees = new Map<string, number>();

        for (const [role, weight] of Object.entries(w.weights)) alloc.setWeight(role, weight);
        for (const [role, q] of Object.entries(w.quotas)) {
          const guarantee = q.guarantee;
          const limit = q.extra === undefined ? undefined : (guarantee ?? 0) + q.extra;
          alloc.setQuota(role, {
            ...(guarantee === undefined ? {} : { guarantee: { cpus: guarantee } }),
            ...(limit === undefined ? {} : { limit: { cpus: limit } }),
          });
          if (guarantee !== undefined) guarantees.set(role, guarantee);
          if (limit !== undefined) limits.set(role, limit);
        }
        w.agents.forEach((a, i) => {
          const res = Resources.of({ cpus: a.cpus, mem: a.mem });
          const id = `ag${i}`;
          total.set(id, res);
          free.set(id, res);
          active.set(id, true);
          alloc.addAgent(id, res, new Map());
        });
        w.frameworks.forEach((f, i) => {
          fwRoles.set(`fw${i}`, f.roles);
          alloc.addFramework(`fw${i}`, { roles: f.roles });
        });
        const fids = [...fwRoles.keys()];
        const aids = [...total.keys()];

        const roleCpus = (role: string): number => held.filter((h) => ancestors(h.role).includes(role)).reduce((n, h) => n + h.resources.cpus, 0);

        const check = (offers: Allocation[]): void => {
          const freeNow = new Map(free);
          let beyondGuarantee = false;
          for (const o of offers) {
            const role = o.role ?? '*';
            expect(fwRoles.get(o.frameworkId)).toContain(role);
            expect(active.get(o.agentId)).toBe(true);
            expect(suppressed.has(`${o.frameworkId} ${role}`)).toBe(false);
            const f = filters.get(`${o.frameworkId} ${o.agentId}`);
            const before = freeNow.get(o.agentId)!;
            if (f && f.expiresAt > now.t) expect(f.refused.contains(before)).toBe(false);
            // Never more than is free: offered + held <= total, per resource.
            expect(before.contains(o.resources)).toBe(true);
            freeNow.set(o.agentId, before.subtract(o.resources));
            held.push({ fw: o.frameworkId, role, agent: o.agentId, resources: o.resources });
          }
          for (const [id, t] of total) {
            const sum = held.filter((h) => h.agent === id).reduce((acc, h) => acc.add(h.resources), Resources.EMPTY);
            expect(t.contains(sum)).toBe(true);
            expect(freeNow.get(id)!.add(sum).equals(t)).toBe(true);
          }
          for (const [id, f] of freeNow) free.set(id, f);
          // Limits: a role (with its sub-roles) never holds more than its limit.
          for (const [role, limit] of limits) expect(roleCpus(role)).toBeLessThanOrEqual(limit + EPS);
          // Guarantees first: if any cpus went to a role beyond its guarantee in this pass, what
          // is free on active agents still covers every unmet guarantee.
          for (const o of offers) {
            if (o.resources.cpus <= 0) continue;
            const top = ancestors(o.role ?? '*')[0]!;
            const g = guarantees.get(top);
            if (g === undefined || roleCpus(top) > g + EPS) beyondGuarantee = true;
          }
          if (beyondGuarantee) {
            let required = 0;
            for (const [role, g] of guarantees) required += Math.max(0, g - roleCpus(role));
            let freeActive = 0;
            for (const [id, f] of free) if (active.get(id)) freeActive += f.cpus;
            expect(freeActive).toBeGreaterThanOrEqual(required - EPS);
          }
        };

        for (const c of w.commands) {
          switch (c.kind) {
            case 'allocate':
              check(alloc.allocate());
              break;
            case 'decline':
            case 'finish': {
              if (held.length === 0) break;
              const i = c.pick % held.length;
              const h = held[i]!;
              let give = h.resources;
              if (c.kind === 'finish' && c.part < 1) {
                give = Resources.of({ cpus: Math.floor(h.resources.cpus * c.part * 1000) / 1000, mem: Math.floor(h.resources.mem * c.part) });
              }
              const refuse = c.kind === 'decline' ? c.refuse : 0;
              alloc.recover(h.fw, h.agent, give, refuse, h.role);
              const left = h.resources.subtract(give);
              if (left.isEmpty()) held.splice(i, 1);
              else held[i] = { ...h, resources: left };
              free.set(h.agent, free.get(h.agent)!.add(give));
              if (refuse > 0) filters.set(`${h.fw} ${h.agent}`, { refused: free.get(h.agent)!, expiresAt: now.t + refuse * 1000 });
              break;
            }
            case 'tick':
              now.t += c.seconds * 1000;
              break;
            case 'suppress': {
              const fid = fids[c.fw % fids.length]!;
              const roles = c.role && fwRoles.get(fid)!.includes(c.role) ? [c.role] : fwRoles.get(fid)!;
              alloc.suppress(fid, roles);
              for (const r of roles) suppressed.add(`${fid} ${r}`);
              break;
            }
            case 'revive': {
              const fid = fids[c.fw % fids.length]!;
              alloc.revive(fid);
              for (const r of fwRoles.get(fid)!) suppressed.delete(`${fid} ${r}`);
              for (const a of aids) filters.delete(`${fid} ${a}`);
              break;
            }
            case 'agentActive': {
              const id = aids[c.agent % aids.length]!;
              alloc.setAgentActive(id, c.active);
              active.set(id, c.active);
              break;
            }
          }
        }
        check(alloc.allocate());
      }),
      { numRuns: 300 },
    );
  });

  it('convergence - equal demand and weights end within one agent of each other', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 40 }),
        fc.integer({ min: 1, max: 8 }),
        fc.boolean(),
        fc.array(fc.tuple(fc.nat(), fc.boolean()), { maxLength: 30 }),
        (agents, frameworks, ownRoles, churn) => {
          const alloc = new HierarchicalAllocator();
          for (let i = 0; i < agents; i++) alloc.addAgent(`ag${i}`, Resources.of({ cpus: 4, mem: 4096 }), new Map());
          const fids = Array.from({ length: frameworks }, (_, i) => `fw${i}`);
          for (const [i, fid] of fids.entries()) alloc.addFramework(fid, { roles: [ownRoles ? `r${i}` : '*'] });
          const held: Allocation[] = [...alloc.allocate()];
          const spread = (): number => {
            const shares = fids.map((f) => alloc.share(f));
            return Math.max(...shares) - Math.min(...shares);
          };
          expect(spread()).toBeLessThanOrEqual(1 / agents + EPS);
          // Frameworks finish work at random (recover whole offers); freed agents flow back
          // to the lowest shares and the spread stays within one agent.
          for (const [pick, pass] of churn) {
            if (held.length > 0) {
              const [o] = held.splice(pick % held.length, 1);
              alloc.recover(o!.frameworkId, o!.agentId, o!.resources, 0, o!.role);
            }
            if (pass) {
              held.push(...alloc.allocate());
              expect(spread()).toBeLessThanOrEqual(1 / agents + EPS);
            }
          }
          held.push(...alloc.allocate());
          expect(spread()).toBeLessThanOrEqual(1 / agents + EPS);
        },
      ),
      { numRuns: 200 },
    );
  });
});
