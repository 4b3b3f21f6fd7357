import { describe, expect, it } from 'vitest';
import { parseQuantities, parseWeight, parseWeightList } from './role-flags.js';

describe('role flags', () => {
  it('cli - --weights takes role=weight pairs separated by commas; each role once', () => {
    expect(parseWeightList('a=2, b/c=0.5,eng.x=1e1', '--weights')).toEqual({ a: 2, 'b/c': 0.5, 'eng.x': 10 });
    expect(parseWeightList('', '--weights')).toEqual({});
    expect(() => parseWeightList('a=2,a=3', '--weights')).toThrow(/--weights: role "a" is given twice/);
    expect(() => parseWeightList('a', '--weights')).toThrow(/"a" is not ROLE=WEIGHT/);
    expect(() => parseWeightList('=2', '--weights')).toThrow(/is not ROLE=WEIGHT/);
    expect(() => parseWeight('a=two', 'ROLE=WEIGHT #1')).toThrow(/ROLE=WEIGHT #1: "two" in "a=two" is not a number/);
    // The master judges the value: a negative weight is sent (and refused there, naming the field).
    expect(parseWeight('a=-1', 'x')).toEqual({ role: 'a', weight: -1 });
  });

  it('cli - quota amounts use the resource syntax cpus:4;mem:1024, scalars only, zero allowed', () => {
    expect(parseQuantities('cpus:4; mem:1024;gpus:0', '--limit')).toEqual({ cpus: 4, mem: 1024, gpus: 0 });
    expect(() => parseQuantities('ports:[1-2]', '--limit')).toThrow(/--limit: ports: ranges have no quota/);
    expect(() => parseQuantities('cpus', '--limit')).toThrow(/"cpus" is not name:amount/);
    expect(() => parseQuantities('cpus:x', '--guarantee')).toThrow(/--guarantee: cpus: "x" is not a number/);
    expect(() => parseQuantities('cpus:1;cpus:2', '--limit')).toThrow(/cpus is given twice/);
  });
});
