import type { Resources } from '@tandem/protocol';

/**
 * A refusal from DECLINE (or the unused part of an ACCEPT) with refuse_seconds: the agent is
 * hidden from that framework until `expiresAt`, but only while what is free there is within
 * `refused`; more free resources make the agent visible again at once.
 */
export interface OfferFilter {
  readonly frameworkId: string;
  readonly agentId: string;
  readonly refused: Resources;
  /** Epoch ms; `Infinity` for a filter that never expires (refuse_seconds = Infinity). */
  readonly expiresAt: number;
}

export function filterHides(filter: OfferFilter, free: Resources, nowMs: number): boolean {
  return filter.expiresAt > nowMs && filter.refused.contains(free);
}

/**
 * The filters by expiry time, a binary min-heap. Removal is lazy: the owner checks that a
 * popped filter is still the current one for its (agent, framework).
 */
export class FilterExpiryQueue {
  private readonly heap: OfferFilter[] = [];

  get size(): number {
    return this.heap.length;
  }

  push(filter: OfferFilter): void {
    if (!Number.isFinite(filter.expiresAt)) return;
    const h = this.heap;
    h.push(filter);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      const parent = h[p] as OfferFilter;
      if (parent.expiresAt <= filter.expiresAt) break;
      h[i] = parent;
      i = p;
    }
    h[i] = filter;
  }

  /** Removes and returns the filters that expired at or before `nowMs`. */
  popExpired(nowMs: number): OfferFilter[] {
    const out: OfferFilter[] = [];
    while (this.heap.length > 0 && (this.heap[0] as OfferFilter).expiresAt <= nowMs) out.push(this.pop());
    return out;
  }

  clear(): void {
    this.heap.length = 0;
  }

  private pop(): OfferFilter {
    const h = this.heap;
    const top = h[0] as OfferFilter;
    const last = h.pop() as OfferFilter;
    if (h.length === 0) return top;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= h.length) break;
      const r = l + 1;
      const c = r < h.length && (h[r] as OfferFilter).expiresAt < (h[l] as OfferFilter).expiresAt ? r : l;
      const child = h[c] as OfferFilter;
      if (child.expiresAt >= last.expiresAt) break;
      h[i] = child;
      i = c;
    }
    h[i] = last;
    return top;
  }
}
