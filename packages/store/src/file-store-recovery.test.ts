import { appendFileSync, copyFileSync, mkdtempSync, readFileSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FileStore } from './file-store.js';
import { LOG_MAGIC } from './record-frame.js';

const tmp = (): string => mkdtempSync(join(tmpdir(), 'tandem-store-'));

/** Everything a store holds, as plain data. */
async function contents(store: FileStore): Promise<Record<string, unknown>> {
  return Object.fromEntries((await store.list('')).map((e) => [e.key, e.value]));
}

/** A store of a few writes (the last one being `last`), closed; returns its dir and what it held before and after `last`. */
async function storeWithLastWrite(last: { key: string; value: unknown }): Promise<{ dir: string; before: Record<string, unknown>; logBefore: number }> {
  const dir = tmp();
  const s = new FileStore({ dir });
  await s.put('agents/a1', { hostname: 'h1', tags: ['x', 'ü'] });
  await s.put('frameworks/f1', { name: 'marathon', failoverTimeout: 60 });
  await s.delete('agents/a1');
  await s.put('agents/a2', { hostname: 'h2' });
  const before = await contents(s);
  await s.close();
  const logBefore = statSync(join(dir, 'store.log')).size;
  const again = new FileStore({ dir });
  await again.put(last.key, last.value);
  await again.close();
  return { dir, before, logBefore };
}

function copyStore(from: string): string {
  const to = tmp();
  copyFileSync(join(from, 'store.log'), join(to, 'store.log'));
  return to;
}

describe('FileStore recovery', () => {
  it('store - a log cut at every byte of its last record reopens to the acknowledged prefix, cut back, and takes new writes that survive', async () => {
    const { dir, before, logBefore } = await storeWithLastWrite({ key: 'apps/app/web', value: { id: '/web', env: { A: 'ü' } } });
    const full = statSync(join(dir, 'store.log')).size;
    expect(full).toBeGreaterThan(logBefore + 20);
    for (let cut = logBefore; cut < full; cut++) {
      const copy = copyStore(dir);
      truncateSync(join(copy, 'store.log'), cut);
      const s = new FileStore({ dir: copy });
      expect(await contents(s), `cut at ${cut}`).toEqual(before);
      expect(statSync(join(copy, 'store.log')).size, `cut at ${cut}`).toBe(logBefore);
      await s.put('after', cut);
      await s.close();
      const t = new FileStore({ dir: copy });
      expect(await contents(t), `cut at ${cut}`).toEqual({ ...before, after: cut });
      await t.close();
    }
  });

  it('store - a log whose last record has a flipped byte drops only that record', async () => {
    const { dir, before, logBefore } = await storeWithLastWrite({ key: 'k', value: 'a value long enough to flip a byte in' });
    const buf = readFileSync(join(dir, 'store.log'));
    buf[logBefore + 30] = (buf[logBefore + 30] as number) ^ 0x01;
    writeFileSync(join(dir, 'store.log'), buf);
    const s = new FileStore({ dir });
    expect(await contents(s)).toEqual(before);
    await s.close();
  });

  it('store - a garbage line in the middle of the log is a refusal naming the file and offset, and changes nothing', async () => {
    const { dir, logBefore } = await storeWithLastWrite({ key: 'k', value: 1 });
    const log = join(dir, 'store.log');
    const buf = readFileSync(log);
    const damaged = Buffer.concat([buf.subarray(0, logBefore), Buffer.from('{"k":"x","r":99}\n'), buf.subarray(logBefore)]);
    writeFileSync(log, damaged);
    expect(() => new FileStore({ dir })).toThrow(new RegExp(`store\\.log: the record at offset ${logBefore} is damaged and whole records follow`));
    expect(readFileSync(log).equals(damaged)).toBe(true);
    // The refusal let go of the lock: after a repair (store-doctor tests) the store can open.
    expect(() => new FileStore({ dir })).toThrow(/DATA_LOSS|damaged/);
  });

  it('store - a torn record followed by whole ones (the old reader appended after a torn line) is a refusal, not a silent loss', async () => {
    const dir = tmp();
    const s = new FileStore({ dir });
    await s.put('a', 1);
    await s.close();
    appendFileSync(join(dir, 'store.log'), 'R 00000040 0000');
    const t = new FileStore({ dir }); // cut back
    await t.put('b', 2);
    await t.close();
    const u = new FileStore({ dir });
    expect(await contents(u)).toEqual({ a: 1, b: 2 });
    await u.close();
    appendFileSync(join(dir, 'store.log'), 'R 00000040 0000');
    const log = readFileSync(join(dir, 'store.log'));
    writeFileSync(join(dir, 'store.log'), Buffer.concat([log, readFileSync(join(dir, 'store.log')).subarray(Buffer.byteLength(LOG_MAGIC))]));
    expect(() => new FileStore({ dir })).toThrow(/whole records follow/);
  });

  it('store - a damaged snapshot is a refusal naming it, never an empty store', async () => {
    const dir = tmp();
    const s = new FileStore({ dir, compactAfter: 2 });
    for (let i = 0; i < 10; i++) await s.put(`k/${i % 2}`, i);
    await s.close();
    const snap = join(dir, 'store.snapshot');
    expect(statSync(snap).size).toBeGreaterThan(0);
    truncateSync(snap, statSync(snap).size - 5);
    expect(() => new FileStore({ dir })).toThrow(/store\.snapshot: snapshot is incomplete at offset|store\.snapshot: snapshot has no end record/);
  });

  it('store - a store written by the old JSON-lines format loads every parsable line and is converted', async () => {
    const dir = tmp();
    writeFileSync(
      join(dir, 'store.log'),
      '{"k":"a","v":1,"r":1}\n{"k":"b","v":2,"r"\n{"k":"c","v":3,"r":3}\n{"k":"a","r":4,"d":1}\n{"k":"d","v":{"x":1},"r":5}\n{"k":"e"',
    );
    const s = new FileStore({ dir });
    expect(await contents(s)).toEqual({ c: 3, d: { x: 1 } });
    await s.put('f', 6);
    await s.close();
    expect(readFileSync(join(dir, 'store.log'), 'latin1').startsWith(LOG_MAGIC)).toBe(true);
    const t = new FileStore({ dir });
    expect(await contents(t)).toEqual({ c: 3, d: { x: 1 }, f: 6 });
    expect((await t.get('f'))?.revision).toBe(6);
    await t.close();
  });

  it('store - a record over the size limit is refused naming the key, and nothing changes', async () => {
    const dir = tmp();
    const s = new FileStore({ dir, maxRecordBytes: 1024 });
    await s.put('small', 'x');
    await expect(s.put('big', 'y'.repeat(2000))).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      message: expect.stringMatching(/^big: a record of \d+ bytes is over the store's limit of 1024/),
    });
    expect(await contents(s)).toEqual({ small: 'x' });
    await s.put('after', 1);
    await s.close();
    const t = new FileStore({ dir });
    expect(await contents(t)).toEqual({ small: 'x', after: 1 });
    expect((await t.get('after'))?.revision).toBe(2);
    await t.close();
  });

  it('store - a second opener of a directory is refused naming the holder, and may open once it is closed', async () => {
    const dir = tmp();
    const a = new FileStore({ dir });
    expect(() => new FileStore({ dir })).toThrow(new RegExp(`in use by pid ${process.pid}`));
    await a.put('k', 1);
    await a.close();
    const b = new FileStore({ dir });
    expect((await b.get('k'))?.value).toBe(1);
    await b.close();
  });
});
