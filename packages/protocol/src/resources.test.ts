import { describe, expect, it } from 'vitest';
import { Resources } from './resources.js';

describe('Resources', () => {
  it('resources - parses and prints Mesos syntax', () => {
    const r = Resources.parse('cpus:2;mem:2048;disk:10000;ports:[31000-32000,33000-33010]');
    expect(r.cpus).toBe(2);
    expect(r.mem).toBe(2048);
    expect(r.ports).toEqual([
      { begin: 31000, end: 32000 },
      { begin: 33000, end: 33010 },
    ]);
    expect(Resources.parse(r.toString()).equals(r)).toBe(true);
  });

  it('resources - rejects bad text naming the field', () => {
    expect(() => Resources.parse('cpus:abc')).toThrow(/resources.cpus: "abc" is not a number/);
    expect(() => Resources.parse('cpus:-1')).toThrow(/must not be negative/);
    expect(() => Resources.parse('ports:[32000-31000]')).toThrow(/begin 32000 is after end 31000/);
    expect(() => Resources.parse('nocolon')).toThrow(/is not name:value/);
  });

  it('resources - rejects NaN, infinite and negative scalars from the wire', () => {
    expect(() => Resources.fromWire([{ name: 'cpus', scalar: Number.NaN }])).toThrow(/resources\[0\]\.scalar: must be a finite number/);
    expect(() => Resources.fromWire([{ name: 'mem', scalar: Number.POSITIVE_INFINITY }])).toThrow(/finite/);
    expect(() => Resources.fromWire([{ name: 'mem', scalar: -1 }])).toThrow(/negative/);
    expect(() => Resources.fromWire([{ name: '', scalar: 1 }])).toThrow(/name/);
  });

  it('resources - adds and subtracts scalars without drift and ranges exactly', () => {
    let r = Resources.parse('cpus:1;mem:100;ports:[1-10]');
    for (let i = 0; i < 10; i++) r = r.subtract(Resources.of({ cpus: 0.1 }));
    expect(r.cpus).toBe(0);
    const a = Resources.parse('ports:[1-10]').subtract(Resources.parse('ports:[3-4,8-8]'));
    expect(a.ports).toEqual([
      { begin: 1, end: 2 },
      { begin: 5, end: 7 },
      { begin: 9, end: 10 },
    ]);
    expect(a.add(Resources.parse('ports:[3-4,8-8]')).ports).toEqual([{ begin: 1, end: 10 }]);
  });

  it('resources - times(n) is the bundle added to itself n times', () => {
    const shape = Resources.parse('cpus:0.1;mem:64;ports:[31000-31001]');
    let sum = Resources.EMPTY;
    for (let n = 1; n <= 12; n++) {
      sum = sum.add(shape);
      expect(shape.times(n).toString()).toBe(sum.toString());
    }
    expect(shape.times(0).isEmpty()).toBe(true);
    expect(shape.times(1)).toBe(shape);
  });

  it('resources - containment covers scalars and ranges', () => {
    const offer = Resources.parse('cpus:2;mem:1024;ports:[31000-31010]');
    expect(offer.contains(Resources.parse('cpus:2;mem:1024;ports:[31005-31006]'))).toBe(true);
    expect(offer.contains(Resources.parse('cpus:2.001'))).toBe(false);
    expect(offer.missing(Resources.parse('cpus:1;ports:[30000-30000]'))).toEqual(['ports']);
  });

  it('resources - takes ports from ranges in order', () => {
    const r = Resources.parse('ports:[31000-31001,31005-31010]');
    expect(r.takeFromRanges('ports', 3)).toEqual([
      { begin: 31000, end: 31001 },
      { begin: 31005, end: 31005 },
    ]);
    expect(r.takeFromRanges('ports', 100)).toBeUndefined();
  });
});
