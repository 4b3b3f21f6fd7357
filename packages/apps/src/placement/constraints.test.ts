import { describe, expect, it } from 'vitest';
import type { Constraint } from '../app/app-schema.js';
import { constraintProblem, type PlacementSite } from './constraints.js';

const site = (hostname: string, attributes: Record<string, string> = {}): PlacementSite => ({ hostname, attributes });
const ok = (c: Constraint, s: PlacementSite, placed: PlacementSite[], seen?: Set<string>) => constraintProblem(c, s, placed, seen) === undefined;

describe('constraints', () => {
  it('constraints - UNIQUE allows one instance per value', () => {
    expect(ok(['hostname', 'UNIQUE'], site('a'), [])).toBe(true);
    expect(ok(['hostname', 'UNIQUE'], site('a'), [site('a')])).toBe(false);
    expect(ok(['rack', 'UNIQUE'], site('a', { rack: 'r1' }), [site('b', { rack: 'r2' })])).toBe(true);
    expect(ok(['rack', 'UNIQUE'], site('a'), [])).toBe(false);
  });

  it('constraints - CLUSTER pins to the value, or to the first placement', () => {
    expect(ok(['rack', 'CLUSTER', 'r1'], site('a', { rack: 'r1' }), [])).toBe(true);
    expect(ok(['rack', 'CLUSTER', 'r1'], site('a', { rack: 'r2' }), [])).toBe(false);
    expect(ok(['rack', 'CLUSTER'], site('a', { rack: 'r2' }), [site('b', { rack: 'r1' })])).toBe(false);
    expect(ok(['rack', 'CLUSTER'], site('a', { rack: 'r2' }), [])).toBe(true);
  });

  it('constraints - GROUP_BY spreads evenly over known values', () => {
    const r = (x: string) => site(x, { rack: x });
    expect(ok(['rack', 'GROUP_BY'], r('1'), [r('1')], new Set(['1', '2']))).toBe(false);
    expect(ok(['rack', 'GROUP_BY'], r('2'), [r('1')], new Set(['1', '2']))).toBe(true);
    expect(ok(['rack', 'GROUP_BY', '3'], r('1'), [r('1'), r('2')])).toBe(false);
    expect(ok(['rack', 'GROUP_BY', '2'], r('1'), [r('1'), r('2')])).toBe(true);
  });

  it('constraints - LIKE, UNLIKE, MAX_PER, IS', () => {
    expect(ok(['hostname', 'LIKE', 'web-[0-9]+'], site('web-12'), [])).toBe(true);
    expect(ok(['hostname', 'LIKE', 'web'], site('web-12'), [])).toBe(false);
    expect(ok(['rack', 'UNLIKE', 'r1'], site('a'), [])).toBe(true);
    expect(ok(['rack', 'UNLIKE', 'r1'], site('a', { rack: 'r1' }), [])).toBe(false);
    expect(ok(['hostname', 'MAX_PER', '2'], site('a'), [site('a')])).toBe(true);
    expect(ok(['hostname', 'MAX_PER', '2'], site('a'), [site('a'), site('a')])).toBe(false);
    expect(ok(['zone', 'IS', 'z1'], site('a', { zone: 'z1' }), [])).toBe(true);
    expect(ok(['@zone', 'IS', 'z1'], site('a', { zone: 'z2' }), [])).toBe(false);
  });
});
