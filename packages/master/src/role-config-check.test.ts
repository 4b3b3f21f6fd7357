import { describe, expect, it } from 'vitest';
import { checkCapacity, checkQuotaConfigs, checkQuotaTree, checkRoleName, checkWeights, type RoleQuotaConfig, totalGuarantee } from './role-config-check.js';

const q = (role: string, guarantee: Record<string, number> = {}, limit: Record<string, number> = {}): RoleQuotaConfig => ({ role, guarantee, limit });
const fail = (fn: () => unknown) => {
  try {
    fn();
  } catch (err) {
    return err as { code: string; field: string; message: string };
  }
  throw new Error('expected an error');
};

describe('role config validation', () => {
  it('roles - names: "*" and nested segments pass; empty, ".", "..", spaces, "//" and edge slashes fail', () => {
    for (const ok of ['*', 'a', 'eng/frontend', 'a.b-c_d', 'a/b/c']) expect(checkRoleName(ok, 'role')).toBe(ok);
    for (const bad of ['', ' ', 'a b', '/a', 'a/', 'a//b', '.', '..', 'a/../b', 'a/./b', '-a', 'a/*', '*/a', 'x'.repeat(129), 7, undefined]) {
      expect(fail(() => checkRoleName(bad, 'weights[0].role'))).toMatchObject({ code: 'INVALID_ARGUMENT', field: 'weights[0].role' });
    }
  });

  it('roles - weights must be finite and > 0, each role once, at least one', () => {
    expect(
      checkWeights([
        { role: 'a', weight: 3 },
        { role: 'b/c', weight: 0.5 },
      ]),
    ).toEqual([
      { role: 'a', weight: 3 },
      { role: 'b/c', weight: 0.5 },
    ]);
    for (const weight of [0, -1, Number.NaN, Number.POSITIVE_INFINITY, '2', undefined]) {
      const e = fail(() =>
        checkWeights([
          { role: 'a', weight: 1 },
          { role: 'b', weight },
        ]),
      );
      expect(e).toMatchObject({ code: 'INVALID_ARGUMENT', field: 'weights[1].weight' });
      expect(e.message).toMatch(/finite number > 0 for role "b"/);
    }
    expect(
      fail(() =>
        checkWeights([
          { role: 'a', weight: 2 },
          { role: 'a', weight: 3 },
        ]),
      ),
    ).toMatchObject({ field: 'weights[1].role', message: expect.stringMatching(/listed twice/) });
    expect(fail(() => checkWeights([]))).toMatchObject({ field: 'weights' });
    expect(fail(() => checkWeights({ a: 2 }))).toMatchObject({ field: 'weights' });
    expect(fail(() => checkWeights([null]))).toMatchObject({ field: 'weights[0]' });
  });

  it('roles - a quota names known scalars with finite amounts >= 0, guarantee <= limit, never role "*"', () => {
    const agentScalars = new Set(['cpus', 'mem', 'fpgas']);
    expect(checkQuotaConfigs([{ role: 'a', guarantee: { cpus: 2, fpgas: 1 }, limit: { cpus: 4, mem: 0 } }], { agentScalars })).toEqual([
      q('a', { cpus: 2, fpgas: 1 }, { cpus: 4, mem: 0 }),
    ]);
    expect(checkQuotaConfigs([{ role: 'a' }])).toEqual([q('a')]);
    const cases: [unknown, string, RegExp][] = [
      [{ role: 'a', guarantee: { cpu: 1 } }, 'quotas[0].guarantee.cpu', /unknown resource "cpu".*cpus, mem, disk, gpus, fpgas/],
      [{ role: 'a', limit: { ports: 10 } }, 'quotas[0].limit.ports', /range resource/],
      [{ role: 'a', limit: { Cpus: 1 } }, 'quotas[0].limit.Cpus', /not a valid resource name/],
      [{ role: 'a', guarantee: { cpus: -1 } }, 'quotas[0].guarantee.cpus', /finite number from 0/],
      [{ role: 'a', guarantee: { cpus: Number.NaN } }, 'quotas[0].guarantee.cpus', /got NaN/],
      [{ role: 'a', limit: { mem: 2e12 } }, 'quotas[0].limit.mem', /from 0 to 1000000000000/],
      [{ role: 'a', guarantee: { cpus: 4 }, limit: { cpus: 2 } }, 'quotas[0].guarantee.cpus', /4 exceeds the limit 2/],
      [{ role: '*', limit: { cpus: 1 } }, 'quotas[0].role', /default role/],
      [{ role: 'a b' }, 'quotas[0].role', /not a valid role/],
      [{ role: 'a', guarantee: [1] }, 'quotas[0].guarantee', /must be an object/],
    ];
    for (const [config, field, message] of cases) {
      const e = fail(() => checkQuotaConfigs([config], { agentScalars }));
      expect(e, field).toMatchObject({ code: 'INVALID_ARGUMENT', field });
      expect(e.message).toMatch(message);
    }
    expect(fail(() => checkQuotaConfigs([{ role: 'a' }, { role: 'a' }]))).toMatchObject({ field: 'quotas[1].role' });
    // Without agent scalars (start-up values) any well-formed scalar name passes.
    expect(checkQuotaConfigs([{ role: 'a', limit: { fpgas: 1 } }])).toEqual([q('a', {}, { fpgas: 1 })]);
  });

  it("roles - nested quotas: a guarantee covers its sub-roles' guarantees, a limit covers what is guaranteed within it", () => {
    const fieldOf = (roles: string[]) => (role: string) => (roles.includes(role) ? `quotas[${roles.indexOf(role)}]` : undefined);
    checkQuotaTree([q('a', { cpus: 4 }), q('a/b', { cpus: 2 }), q('a/c', { cpus: 2 })], fieldOf(['a/c']));
    checkQuotaTree([q('a', {}, { cpus: 4 }), q('a/b', { cpus: 2 }), q('a/c/d', { cpus: 2 })], fieldOf(['a/c/d']));
    // The child added by the call is blamed when the parent does not cover it.
    expect(fail(() => checkQuotaTree([q('a', { cpus: 4 }), q('a/b', { cpus: 3 }), q('a/c', { cpus: 2 })], fieldOf(['a/c'])))).toMatchObject({
      code: 'INVALID_ARGUMENT',
      field: 'quotas[0]',
      message: expect.stringMatching(/role "a" guarantees 4 cpus, less than the 5 its sub-roles/),
    });
    // The parent lowered by the call is blamed, on the resource at fault.
    expect(fail(() => checkQuotaTree([q('a', { cpus: 1 }), q('a/b', { cpus: 2 })], fieldOf(['a'])))).toMatchObject({ field: 'quotas[0].guarantee.cpus' });
    // A guarantee on a resource the parent does not guarantee.
    expect(fail(() => checkQuotaTree([q('a', { cpus: 4 }), q('a/b', { mem: 64 })], fieldOf(['a/b'])))).toMatchObject({ field: 'quotas[0]' });
    // A limit below what is guaranteed inside it.
    expect(fail(() => checkQuotaTree([q('a', {}, { cpus: 3 }), q('a/b', { cpus: 2 }), q('a/c', { cpus: 2 })], fieldOf(['a'])))).toMatchObject({
      field: 'quotas[0].limit.cpus',
      message: expect.stringMatching(/limited to 3 cpus, less than the 4 guaranteed within it/),
    });
    expect(totalGuarantee([q('a', { cpus: 4 }), q('a/b', { cpus: 2 }), q('x/y', { cpus: 1, mem: 8 })])).toEqual(
      new Map([
        ['cpus', 5],
        ['mem', 8],
      ]),
    );
  });

  it('roles - guarantees must fit the agents unless forced; a call that does not raise a total is never refused', () => {
    const capacity = (name: string) => ({ cpus: 4, mem: 1024 })[name] ?? 0;
    checkCapacity([], [q('a', { cpus: 4 })], capacity, [q('a', { cpus: 4 })]);
    expect(fail(() => checkCapacity([q('a', { cpus: 3 })], [q('a', { cpus: 3 }), q('b', { cpus: 2 })], capacity, [q('b', { cpus: 2 })]))).toMatchObject({
      code: 'FAILED_PRECONDITION',
      field: 'quotas[0].guarantee.cpus',
      message: expect.stringMatching(/total 5 cpus, more than the 4 .*force/),
    });
    // Already over (agents left), and the call lowers it: allowed.
    checkCapacity([q('a', { cpus: 8 })], [q('a', { cpus: 6 })], capacity, [q('a', { cpus: 6 })]);
  });
});
