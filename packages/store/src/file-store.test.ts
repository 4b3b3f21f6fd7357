import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FileStore } from './file-store.js';

const tmp = (): string => mkdtempSync(join(tmpdir(), 'tandem-store-'));

describe('FileStore', () => {
  it('store - keeps writes across a reopen', async () => {
    const dir = tmp();
    const a = new FileStore({ dir });
    await a.put('agents/1', { hostname: 'h1' });
    await a.put('agents/2', { hostname: 'h2' });
    await a.delete('agents/1');
    await a.close();
    const b = new FileStore({ dir });
    expect(await b.get('agents/1')).toBeUndefined();
    expect((await b.get<{ hostname: string }>('agents/2'))?.value.hostname).toBe('h2');
    await b.close();
  });

  it('store - compare-and-set refuses a stale revision and changes nothing', async () => {
    const s = new FileStore({ dir: tmp() });
    const r1 = await s.put('k', 'a', { expectedRevision: 0 });
    await expect(s.put('k', 'b', { expectedRevision: 0 })).rejects.toThrow(/expected revision 0/);
    expect((await s.get('k'))?.value).toBe('a');
    await s.put('k', 'c', { expectedRevision: r1 });
    expect((await s.get('k'))?.value).toBe('c');
    await s.close();
  });

  it('store - compacts into a snapshot and still loads every key', async () => {
    const dir = tmp();
    const s = new FileStore({ dir, compactAfter: 5 });
    for (let i = 0; i < 30; i++) await s.put(`k/${i % 3}`, i);
    await s.close();
    const t = new FileStore({ dir });
    expect((await t.list('k/')).map((e) => e.value)).toEqual([27, 28, 29]);
    await t.close();
  });

  it('store - a burst of writes in one tick is durable, and close waits for writes not yet awaited', async () => {
    const dir = tmp();
    const s = new FileStore({ dir });
    const writes = Array.from({ length: 100 }, (_, i) => s.put(`batch/${i}`, i));
    const late = s.put('late', 'x'); // not awaited before close
    await s.close();
    await Promise.all([...writes, late]);
    const t = new FileStore({ dir });
    expect((await t.list('batch/')).length).toBe(100);
    expect((await t.get('late'))?.value).toBe('x');
    await t.close();
  });
});
