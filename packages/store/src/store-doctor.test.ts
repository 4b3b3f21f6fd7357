import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FileStore } from './file-store.js';
import { checkStore, repairStore } from './store-doctor.js';

const tmp = (): string => mkdtempSync(join(tmpdir(), 'tandem-doctor-'));

/** A store with `a`, `b` in its log, then a damaged line, then `c` (written after the damage, as the old reader allowed). */
async function damagedStore(): Promise<{ dir: string; damageAt: number }> {
  const dir = tmp();
  const s = new FileStore({ dir });
  await s.put('a', 1);
  await s.put('b', 2);
  await s.close();
  const damageAt = statSync(join(dir, 'store.log')).size;
  const t = new FileStore({ dir });
  await t.put('c', 3);
  await t.close();
  const log = readFileSync(join(dir, 'store.log'));
  writeFileSync(join(dir, 'store.log'), Buffer.concat([log.subarray(0, damageAt), Buffer.from('garbage line\n'), log.subarray(damageAt)]));
  return { dir, damageAt };
}

describe('store check and repair', () => {
  it('store-doctor - check reads a healthy store and changes nothing', async () => {
    const dir = tmp();
    const s = new FileStore({ dir });
    await s.put('a', 1);
    const held = checkStore(dir);
    expect(held.holder?.pid).toBe(process.pid);
    await s.close();
    const before = readFileSync(join(dir, 'store.log'));
    const report = checkStore(dir);
    expect(report).toMatchObject({ verdict: 'ok', keys: 1, revision: 1, log: { records: 1, legacy: false }, holder: undefined });
    expect(readFileSync(join(dir, 'store.log')).equals(before)).toBe(true);
  });

  it('store-doctor - check names the damage; repair keeps every whole record around it, moves the old files aside, and the store opens', async () => {
    const { dir, damageAt } = await damagedStore();
    expect(() => new FileStore({ dir })).toThrow(/whole records follow/);
    const report = checkStore(dir);
    expect(report).toMatchObject({
      verdict: 'damaged',
      keys: 3,
      log: { records: 2, recordsAfterFault: 1, fault: { offset: damageAt, reason: 'damaged', nextRecordAt: damageAt + 13 } },
    });
    const repaired = repairStore(dir);
    expect(repaired.movedAside).toHaveLength(1);
    expect(existsSync(repaired.movedAside[0] as string)).toBe(true);
    const s = new FileStore({ dir });
    expect(Object.fromEntries((await s.list('')).map((e) => [e.key, e.value]))).toEqual({ a: 1, b: 2, c: 3 });
    await s.put('d', 4);
    expect((await s.get('d'))?.revision).toBe(4);
    await s.close();
    expect(checkStore(dir).verdict).toBe('ok');
  });

  it('store-doctor - repair refuses while a process holds the store', async () => {
    const dir = tmp();
    const s = new FileStore({ dir });
    expect(() => repairStore(dir)).toThrow(new RegExp(`in use by pid ${process.pid}`));
    await s.close();
  });
});
