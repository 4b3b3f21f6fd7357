/** An item ordered by `rank`, ties broken by the unique `seq` (registration order). */
export interface Ranked {
  rank: number;
  readonly seq: number;
  /** Index in the heap holding it; -1 when in none. Owned by the heap. */
  pos: number;
}

function before(a: Ranked, b: Ranked): boolean {
  return a.rank < b.rank || (a.rank === b.rank && a.seq < b.seq);
}

/**
 * A binary min-heap by rank: the DRF sorters of the allocator. A rank change costs
 * O(log n); `walk()` enumerates in rank order lazily, so finding the first eligible item
 * costs O(k log k) for k items looked at, not a sort of all of them.
 */
export class RankHeap<T extends Ranked> {
  readonly items: T[] = [];

  get size(): number {
    return this.items.length;
  }

  insert(item: T): void {
    item.pos = this.items.length;
    this.items.push(item);
    this.siftUp(item.pos);
  }

  remove(item: T): void {
    const i = item.pos;
    if (this.items[i] !== item) return;
    const last = this.items.pop() as T;
    item.pos = -1;
    if (i < this.items.length) {
      this.items[i] = last;
      last.pos = i;
      this.siftDown(i);
      this.siftUp(last.pos);
    }
  }

  /** Sets the item's rank and moves it to its place. */
  update(item: T, rank: number): void {
    if (rank === item.rank) return;
    const up = rank < item.rank;
    item.rank = rank;
    if (this.items[item.pos] !== item) return;
    if (up) this.siftUp(item.pos);
    else this.siftDown(item.pos);
  }

  /** Restores heap order after every rank changed at once (e.g. the cluster total moved). */
  resort(): void {
    for (let i = (this.items.length >> 1) - 1; i >= 0; i--) this.siftDown(i);
  }

  /** A cursor over the items in rank order. Do not change the heap while walking it. */
  walk(): HeapWalk<T> {
    return new HeapWalk(this.items);
  }

  private siftUp(i: number): void {
    const items = this.items;
    const item = items[i] as T;
    while (i > 0) {
      const p = (i - 1) >> 1;
      const parent = items[p] as T;
      if (!before(item, parent)) break;
      items[i] = parent;
      parent.pos = i;
      i = p;
    }
    items[i] = item;
    item.pos = i;
  }

  private siftDown(i: number): void {
    const items = this.items;
    const n = items.length;
    const item = items[i] as T;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      let c = l;
      if (r < n && before(items[r] as T, items[l] as T)) c = r;
      const child = items[c] as T;
      if (!before(child, item)) break;
      items[i] = child;
      child.pos = i;
      i = c;
    }
    items[i] = item;
    item.pos = i;
  }
}

/** Enumerates a heap in rank order with a small frontier heap of indices. */
export class HeapWalk<T extends Ranked> {
  private readonly frontier: number[];

  constructor(private readonly items: readonly T[]) {
    this.frontier = items.length > 0 ? [0] : [];
  }

  next(): T | undefined {
    const f = this.frontier;
    if (f.length === 0) return undefined;
    const items = this.items;
    const top = f[0] as number;
    const last = f.pop() as number;
    if (f.length > 0) this.sink(last);
    const l = 2 * top + 1;
    if (l < items.length) this.push(l);
    if (l + 1 < items.length) this.push(l + 1);
    return items[top];
  }

  private less(a: number, b: number): boolean {
    return before(this.items[a] as T, this.items[b] as T);
  }

  private push(index: number): void {
    const f = this.frontier;
    let i = f.length;
    f.push(index);
    while (i > 0) {
      const p = (i - 1) >> 1;
      const parent = f[p] as number;
      if (!this.less(index, parent)) break;
      f[i] = parent;
      i = p;
    }
    f[i] = index;
  }

  /** Puts `index` at the root and sinks it. */
  private sink(index: number): void {
    const f = this.frontier;
    const n = f.length;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      let c = l;
      if (r < n && this.less(f[r] as number, f[l] as number)) c = r;
      const child = f[c] as number;
      if (!this.less(child, index)) break;
      f[i] = child;
      i = c;
    }
    f[i] = index;
  }
}
