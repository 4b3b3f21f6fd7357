import type { Resources } from '@tandem/protocol';

/**
 * Scalars as plain number arrays indexed by an interned resource name: the allocator's
 * hot-path form of `Resources` (no object per operation). A missing slot reads as 0.
 */
export type ScalarVector = number[];

const SCALE = 1000;
/** Three decimals, as `Resources` keeps them, so sums and differences do not drift. */
export const round3 = (v: number): number => Math.round(v * SCALE) / SCALE;

/** Interns scalar resource names into vector slots; slots never move. */
export class ScalarNames {
  private readonly slots = new Map<string, number>();
  readonly names: string[] = [];

  constructor(initial: readonly string[] = []) {
    for (const name of initial) this.slot(name);
  }

  slot(name: string): number {
    let i = this.slots.get(name);
    if (i === undefined) {
      i = this.names.length;
      this.slots.set(name, i);
      this.names.push(name);
    }
    return i;
  }

  vectorOf(resources: Resources): ScalarVector {
    const out: ScalarVector = [];
    for (const name of resources.scalarNames()) {
      const i = this.slot(name);
      while (out.length < i) out.push(0);
      out[i] = resources.scalar(name);
    }
    return out;
  }

  vectorOfRecord(record: Readonly<Record<string, number>>): ScalarVector {
    const out: ScalarVector = [];
    for (const [name, value] of Object.entries(record)) {
      const i = this.slot(name);
      while (out.length < i) out.push(0);
      out[i] = value;
    }
    return out;
  }
}

export function addInto(target: ScalarVector, v: ScalarVector): void {
  for (let i = 0; i < v.length; i++) {
    const x = v[i] ?? 0;
    if (x !== 0) target[i] = round3((target[i] ?? 0) + x);
  }
  fillHoles(target);
}

/** target -= v, floored at zero. */
export function subtractInto(target: ScalarVector, v: ScalarVector): void {
  for (let i = 0; i < v.length; i++) {
    const x = v[i] ?? 0;
    if (x !== 0) target[i] = Math.max(0, round3((target[i] ?? 0) - x));
  }
  fillHoles(target);
}

/** The element-wise minimum of a and b. */
export function minOf(a: ScalarVector, b: ScalarVector): ScalarVector {
  const out: ScalarVector = [];
  for (let i = 0; i < a.length; i++) out.push(Math.min(a[i] ?? 0, b[i] ?? 0));
  return out;
}

export function isZero(v: ScalarVector): boolean {
  for (const x of v) if (x > 0) return false;
  return true;
}

/** Sparse assignment (`v[5] = x` on a short array) leaves holes; keep arrays packed and numeric. */
function fillHoles(v: ScalarVector): void {
  for (let i = 0; i < v.length; i++) if (v[i] === undefined) v[i] = 0;
}
