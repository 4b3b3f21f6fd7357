import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type Ranked, RankHeap } from './rank-heap.js';

interface Item extends Ranked {
  readonly id: number;
}

const walkAll = (heap: RankHeap<Item>): number[] => {
  const out: number[] = [];
  const w = heap.walk();
  for (let x = w.next(); x; x = w.next()) out.push(x.id);
  return out;
};

describe('RankHeap', () => {
  it('rank heap - walks in (rank, seq) order through inserts, updates and removals', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 20 }), { minLength: 1, maxLength: 40 }),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 20 }), fc.boolean()), { maxLength: 40 }),
        (ranks, ops) => {
          const heap = new RankHeap<Item>();
          const live: Item[] = ranks.map((rank, i) => ({ rank, seq: i, pos: -1, id: i }));
          for (const item of live) heap.insert(item);
          for (const [pick, rank, remove] of ops) {
            if (live.length === 0) break;
            const item = live[pick % live.length]!;
            if (remove) {
              heap.remove(item);
              live.splice(live.indexOf(item), 1);
            } else {
              heap.update(item, rank);
            }
          }
          const expected = [...live].sort((a, b) => a.rank - b.rank || a.seq - b.seq).map((x) => x.id);
          expect(walkAll(heap)).toEqual(expected);
          expect(heap.size).toBe(live.length);
        },
      ),
    );
  });

  it('rank heap - resort restores order after ranks changed behind its back', () => {
    const heap = new RankHeap<Item>();
    const items = [3, 1, 2].map((rank, i) => ({ rank, seq: i, pos: -1, id: i }));
    for (const item of items) heap.insert(item);
    items[0]!.rank = 0;
    heap.resort();
    expect(walkAll(heap)).toEqual([0, 1, 2]);
  });
});
