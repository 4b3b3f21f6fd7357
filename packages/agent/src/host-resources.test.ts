import { cpus, tmpdir } from 'node:os';
import { Resources } from '@tandem/protocol';
import { describe, expect, it } from 'vitest';
import { detectResources, memReserveMiB, mergeResources, namesIn, resolveResources } from './host-resources.js';

describe('agent resources', () => {
  it('agent resources - detects cpus, mem and disk with reserves, and the default port range', async () => {
    const r = await detectResources(tmpdir());
    expect(r.cpus).toBe(cpus().length);
    expect(r.mem).toBeGreaterThanOrEqual(0);
    expect(r.disk).toBeGreaterThanOrEqual(0);
    expect(r.ports).toEqual([{ begin: 31000, end: 32000 }]);
  });

  it('agent resources - keeps max(1 GiB, 10%) of memory back', () => {
    expect(memReserveMiB(4096)).toBe(1024);
    expect(memReserveMiB(65536)).toBe(6553);
  });

  it('agent resources - takes the names given and detects the rest', () => {
    const detected = Resources.of({ cpus: 8, mem: 16000, disk: 50000, ports: [{ begin: 31000, end: 32000 }] });
    const r = mergeResources(detected, 'cpus:2;mem:2048;gpus:1');
    expect(r.cpus).toBe(2);
    expect(r.mem).toBe(2048);
    expect(r.disk).toBe(50000);
    expect(r.gpus).toBe(1);
    expect(r.ports).toEqual([{ begin: 31000, end: 32000 }]);
  });

  it('agent resources - an explicit zero or port list overrides detection', () => {
    const detected = Resources.of({ cpus: 8, mem: 16000, disk: 50000, ports: [{ begin: 31000, end: 32000 }] });
    const r = mergeResources(detected, 'disk:0;ports:[40000-40010]');
    expect(r.disk).toBe(0);
    expect(r.cpus).toBe(8);
    expect(r.ports).toEqual([{ begin: 40000, end: 40010 }]);
    expect([...namesIn('disk:0;ports:[1-2]')]).toEqual(['disk', 'ports']);
  });

  it('agent resources - rejects a bad override naming the field', async () => {
    await expect(resolveResources(tmpdir(), 'cpus:lots')).rejects.toThrow(/resources\.cpus/);
    await expect(resolveResources(tmpdir(), 'mem:NaN')).rejects.toThrow(/resources\.mem/);
  });
});
