import { describe, expect, it } from 'vitest';
import { MemoryStore } from './memory-store.js';
import { observedStore, type StoreWriteOp } from './observed-store.js';

describe('observedStore - store writes are timed', () => {
  it('reports each put and delete once it settles, and passes reads through', async () => {
    const seen: { op: StoreWriteOp; seconds: number; ok: boolean }[] = [];
    const store = observedStore(new MemoryStore(), (op, seconds, ok) => seen.push({ op, seconds, ok }));
    expect(store.atomicBatches).toBe(true);
    const rev = await store.put('a/1', { x: 1 });
    expect((await store.get('a/1'))?.value).toEqual({ x: 1 });
    expect(await store.list('a/')).toHaveLength(1);
    await expect(store.put('a/1', { x: 2 }, { expectedRevision: rev + 5 })).rejects.toThrow();
    expect(await store.delete('a/1')).toBe(true);
    expect(seen.map((s) => [s.op, s.ok])).toEqual([
      ['put', true],
      ['put', false],
      ['delete', true],
    ]);
    for (const s of seen) expect(s.seconds).toBeGreaterThanOrEqual(0);
  });
});
