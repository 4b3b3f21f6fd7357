import { ValidationError } from './errors.js';
import type { Resource } from './generated/tandem/v1/Resource.js';

/** An inclusive integer range, e.g. ports 31000-32000. */
export interface Range {
  readonly begin: number;
  readonly end: number;
}

/** The friendly shape of a resource bundle; every field optional. */
export interface ResourceSpec {
  cpus?: number;
  mem?: number;
  disk?: number;
  gpus?: number;
  ports?: readonly Range[];
  [name: string]: number | readonly Range[] | undefined;
}

// Scalars are kept to three decimals, as Mesos does, so that sums and differences
// of offered and used resources do not drift.
const SCALE = 1000;
const round = (v: number): number => Math.round(v * SCALE) / SCALE;
const NAME = /^[a-z][a-z0-9_.-]{0,63}$/;
const RANGE_NAMES = new Set(['ports']);

function normalize(ranges: readonly Range[]): Range[] {
  const sorted = [...ranges].sort((a, b) => a.begin - b.begin);
  const out: Range[] = [];
  for (const r of sorted) {
    const last = out[out.length - 1];
    if (last && r.begin <= last.end + 1) {
      out[out.length - 1] = { begin: last.begin, end: Math.max(last.end, r.end) };
    } else {
      out.push({ begin: r.begin, end: r.end });
    }
  }
  return out;
}

function subtractRanges(from: readonly Range[], take: readonly Range[]): Range[] {
  let out = [...from];
  for (const t of take) {
    const next: Range[] = [];
    for (const r of out) {
      if (t.end < r.begin || t.begin > r.end) {
        next.push(r);
        continue;
      }
      if (r.begin < t.begin) next.push({ begin: r.begin, end: t.begin - 1 });
      if (r.end > t.end) next.push({ begin: t.end + 1, end: r.end });
    }
    out = next;
  }
  return out;
}

function rangesContain(outer: readonly Range[], inner: readonly Range[]): boolean {
  return inner.every((i) => outer.some((o) => o.begin <= i.begin && i.end <= o.end));
}

export function rangeCount(ranges: readonly Range[]): number {
  return ranges.reduce((n, r) => n + (r.end - r.begin + 1), 0);
}

function checkScalar(field: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new ValidationError(field, `must be a finite number, got ${String(value)}`);
  }
  if (value < 0) throw new ValidationError(field, `must not be negative, got ${value}`);
  return round(value);
}

function checkRange(field: string, r: { begin?: unknown; end?: unknown }): Range {
  const begin = Number(r.begin);
  const end = Number(r.end);
  if (!Number.isSafeInteger(begin) || !Number.isSafeInteger(end) || begin < 0 || end < 0) {
    throw new ValidationError(field, `must hold non-negative integers, got [${String(r.begin)}-${String(r.end)}]`);
  }
  if (begin > end) throw new ValidationError(field, `begin ${begin} is after end ${end}`);
  return { begin, end };
}

/**
 * An immutable bundle of resources: named scalars (cpus, mem in MiB, disk in MiB,
 * gpus) and named ranges (ports). All arithmetic returns a new bundle.
 */
export class Resources {
  static readonly EMPTY = new Resources(new Map(), new Map());

  private constructor(
    private readonly scalarMap: ReadonlyMap<string, number>,
    private readonly rangeMap: ReadonlyMap<string, readonly Range[]>,
  ) {}

  /** Builds a bundle from the friendly shape, validating every value. */
  static of(spec: ResourceSpec): Resources {
    const scalars = new Map<string, number>();
    const ranges = new Map<string, Range[]>();
    for (const [name, value] of Object.entries(spec)) {
      if (value === undefined) continue;
      if (!NAME.test(name)) throw new ValidationError(`resources.${name}`, 'is not a valid resource name');
      if (Array.isArray(value)) {
        const rs = normalize((value as readonly Range[]).map((r, i) => checkRange(`resources.${name}[${i}]`, r)));
        if (rs.length > 0) ranges.set(name, rs);
      } else {
        const v = checkScalar(`resources.${name}`, value);
        if (v > 0) scalars.set(name, v);
      }
    }
    return new Resources(scalars, ranges);
  }

  /** Reads the wire form, validating it; `field` prefixes error messages. */
  static fromWire(list: readonly Resource[] | null | undefined, field = 'resources'): Resources {
    const scalars = new Map<string, number>();
    const ranges = new Map<string, Range[]>();
    (list ?? []).forEach((r, i) => {
      const f = `${field}[${i}]`;
      const name = r.name ?? '';
      if (!NAME.test(name)) throw new ValidationError(`${f}.name`, `"${name}" is not a valid resource name`);
      if (r.ranges || r.value === 'ranges') {
        const rs = (r.ranges?.range ?? []).map((x, j) => checkRange(`${f}.ranges[${j}]`, x));
        ranges.set(name, normalize([...(ranges.get(name) ?? []), ...rs]));
      } else {
        const v = checkScalar(`${f}.scalar`, typeof r.scalar === 'string' ? Number(r.scalar) : r.scalar);
        scalars.set(name, round((scalars.get(name) ?? 0) + v));
      }
    });
    for (const [k, v] of scalars) if (v === 0) scalars.delete(k);
    for (const [k, v] of ranges) if (v.length === 0) ranges.delete(k);
    return new Resources(scalars, ranges);
  }

  /**
   * Parses Mesos' text syntax: `cpus:2;mem:2048;disk:10000;ports:[31000-32000,33000-33010]`.
   */
  static parse(text: string, field = 'resources'): Resources {
    const spec: Record<string, number | Range[]> = {};
    for (const part of text
      .split(';')
      .map((s) => s.trim())
      .filter(Boolean)) {
      const idx = part.indexOf(':');
      if (idx <= 0) throw new ValidationError(field, `"${part}" is not name:value`);
      const name = part.slice(0, idx).trim();
      const value = part.slice(idx + 1).trim();
      if (value.startsWith('[')) {
        if (!value.endsWith(']')) throw new ValidationError(`${field}.${name}`, `"${value}" is not a [a-b,c-d] range list`);
        const body = value.slice(1, -1).trim();
        spec[name] =
          body === ''
            ? []
            : body.split(',').map((r) => {
                const m = /^\s*(\d+)\s*-\s*(\d+)\s*$/.exec(r);
                if (!m) throw new ValidationError(`${field}.${name}`, `"${r}" is not a range a-b`);
                return { begin: Number(m[1]), end: Number(m[2]) };
              });
      } else {
        if (!/^[+-]?(\d+\.?\d*|\.\d+)$/.test(value)) {
          throw new ValidationError(`${field}.${name}`, `"${value}" is not a number`);
        }
        spec[name] = Number(value);
      }
    }
    return Resources.of(spec);
  }

  get cpus(): number {
    return this.scalar('cpus');
  }
  get mem(): number {
    return this.scalar('mem');
  }
  get disk(): number {
    return this.scalar('disk');
  }
  get gpus(): number {
    return this.scalar('gpus');
  }
  get ports(): readonly Range[] {
    return this.ranges('ports');
  }

  scalar(name: string): number {
    return this.scalarMap.get(name) ?? 0;
  }

  ranges(name: string): readonly Range[] {
    return this.rangeMap.get(name) ?? [];
  }

  scalarNames(): string[] {
    return [...this.scalarMap.keys()];
  }

  isEmpty(): boolean {
    return this.scalarMap.size === 0 && this.rangeMap.size === 0;
  }

  add(other: Resources): Resources {
    const scalars = new Map(this.scalarMap);
    for (const [k, v] of other.scalarMap) scalars.set(k, round((scalars.get(k) ?? 0) + v));
    const ranges = new Map<string, readonly Range[]>(this.rangeMap);
    for (const [k, v] of other.rangeMap) ranges.set(k, normalize([...(ranges.get(k) ?? []), ...v]));
    return new Resources(scalars, ranges);
  }

  /** This added to itself `n` times (a whole n >= 0): every scalar times n, the ranges as they are. */
  times(n: number): Resources {
    if (n === 1) return this;
    if (n <= 0) return Resources.EMPTY;
    const scalars = new Map<string, number>();
    for (const [k, v] of this.scalarMap) scalars.set(k, round(v * n));
    return new Resources(scalars, this.rangeMap);
  }

  /** This minus other, floored at zero (use `contains` first when that matters). */
  subtract(other: Resources): Resources {
    const scalars = new Map(this.scalarMap);
    for (const [k, v] of other.scalarMap) {
      const left = round((scalars.get(k) ?? 0) - v);
      if (left > 0) scalars.set(k, left);
      else scalars.delete(k);
    }
    const ranges = new Map<string, readonly Range[]>(this.rangeMap);
    for (const [k, v] of other.rangeMap) {
      const left = subtractRanges(ranges.get(k) ?? [], v);
      if (left.length > 0) ranges.set(k, left);
      else ranges.delete(k);
    }
    return new Resources(scalars, ranges);
  }

  contains(other: Resources): boolean {
    for (const [k, v] of other.scalarMap) if ((this.scalarMap.get(k) ?? 0) + 1e-9 < v) return false;
    for (const [k, v] of other.rangeMap) if (!rangesContain(this.rangeMap.get(k) ?? [], v)) return false;
    return true;
  }

  equals(other: Resources): boolean {
    return this.contains(other) && other.contains(this);
  }

  /** The names of the resources this lacks to contain `other`, e.g. ["cpus", "ports"]. */
  missing(other: Resources): string[] {
    const out: string[] = [];
    for (const [k, v] of other.scalarMap) if ((this.scalarMap.get(k) ?? 0) + 1e-9 < v) out.push(k);
    for (const [k, v] of other.rangeMap) if (!rangesContain(this.rangeMap.get(k) ?? [], v)) out.push(k);
    return out;
  }

  /** Takes the first `count` values of the named ranges, e.g. two ports. */
  takeFromRanges(name: string, count: number): Range[] | undefined {
    const picked: Range[] = [];
    let need = count;
    for (const r of this.ranges(name)) {
      if (need <= 0) break;
      const n = Math.min(need, r.end - r.begin + 1);
      picked.push({ begin: r.begin, end: r.begin + n - 1 });
      need -= n;
    }
    return need > 0 ? undefined : picked;
  }

  toWire(): Resource[] {
    const out: Resource[] = [];
    for (const [name, scalar] of this.scalarMap) out.push({ name, scalar });
    for (const [name, rs] of this.rangeMap) {
      out.push({ name, ranges: { range: rs.map((r) => ({ begin: r.begin, end: r.end })) } });
    }
    return out;
  }

  toSpec(): ResourceSpec {
    const spec: ResourceSpec = {};
    for (const [k, v] of this.scalarMap) spec[k] = v;
    for (const [k, v] of this.rangeMap) spec[k] = v;
    return spec;
  }

  /** Mesos' text syntax, the inverse of `parse`. */
  toString(): string {
    const parts: string[] = [];
    for (const [k, v] of this.scalarMap) parts.push(`${k}:${v}`);
    for (const [k, v] of this.rangeMap) parts.push(`${k}:[${v.map((r) => `${r.begin}-${r.end}`).join(',')}]`);
    return parts.join(';');
  }

  toJSON(): Record<string, number | string> {
    const out: Record<string, number | string> = {};
    for (const [k, v] of this.scalarMap) out[k] = v;
    for (const [k, v] of this.rangeMap) out[k] = `[${v.map((r) => `${r.begin}-${r.end}`).join(',')}]`;
    return out;
  }
}

export function isRangeResource(name: string): boolean {
  return RANGE_NAMES.has(name);
}
