import fc from 'fast-check';

// What the fuzz files share: the seed and run counts, the arbitraries of hostile values,
// body mutations, a JSON writer that can put numbers JSON.stringify cannot (1e999,
// -0), and the tally of what each surface did with what it was given.

/** A fixed seed unless FUZZ_SEED says otherwise, so a failure reproduces. */
export const FUZZ_SEED = Number(process.env.FUZZ_SEED ?? 20261206);

/** Runs per surface: `base` by default, FUZZ_RUNS for a bigger run. */
export function fuzzRuns(base: number): number {
  const n = Number(process.env.FUZZ_RUNS);
  return Number.isSafeInteger(n) && n > 0 ? n : base;
}

/** Strings an attacker tries: traversal, encodings, NUL, control and bidi characters, huge. */
export const TRAVERSALS = [
  '..',
  '../..',
  '../../../../etc/passwd',
  '..%2f..%2fetc%2fpasswd',
  '%2e%2e',
  '%2e%2e%2f%2e%2e%2fetc%2fpasswd',
  '%252e%252e%252f',
  '..\\..\\windows',
  '/etc/passwd',
  '/proc/self/environ',
  'stdout/../../meta/agent.json',
  'a\u0000b',
  '\u0000',
  '%00',
  '.',
  './',
  '//',
  '~root',
  '\u202e\u0645',
  '😀',
  ' ',
  '\r\nX-Injected: 1',
] as const;

export const nastyString: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.string({ maxLength: 40 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  { weight: 3, arbitrary: fc.constantFrom(...TRAVERSALS) },
  { weight: 1, arbitrary: fc.constantFrom(100_000, 300_000).map((n) => 'x'.repeat(n)) },
  { weight: 1, arbitrary: fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty') },
);

/**
 * A number as it will be written into JSON. `Raw` is written as its literal text, so a
 * body can hold what JSON.stringify cannot: 1e999 (JSON.parse gives Infinity), -0, and
 * integers past 2^53.
 */
export class Raw {
  constructor(readonly text: string) {}
  toJSON(): string {
    return `${MARK}${this.text}${MARK}`;
  }
}
const MARK = '\u0001raw\u0001';

export const nastyNumber: fc.Arbitrary<number | Raw> = fc.oneof(
  fc.constantFrom(-1, 0, 1, 0.5, -0.0001, 2 ** 31, 2 ** 53, -(2 ** 53), 1e308, -1e308, 5e-324, 65536, 50_001, 1e12),
  fc.constantFrom('1e999', '-1e999', '-0', '123456789012345678901234567890', '1e-400').map((t) => new Raw(t)),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
);

/** Any value of the wrong kind for a field. */
export const wrongValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 3, arbitrary: nastyString },
  { weight: 3, arbitrary: nastyNumber },
  { weight: 1, arbitrary: fc.boolean() },
  { weight: 1, arbitrary: fc.constant(null) },
  { weight: 1, arbitrary: fc.array(fc.oneof(nastyString, nastyNumber), { maxLength: 3 }) },
  { weight: 1, arbitrary: fc.dictionary(nastyString, fc.oneof(nastyString, nastyNumber), { maxKeys: 3 }) },
  { weight: 1, arbitrary: fc.anything({ maxDepth: 2 }) },
);

/** JSON text of a value, `Raw` numbers written as their literal. */
export function jsonText(value: unknown): string {
  const text = JSON.stringify(value) ?? 'null';
  return text.replace(/"\\u0001raw\\u0001(.*?)\\u0001raw\\u0001"/g, '$1');
}

type Mutation =
  | { kind: 'drop'; path: string[] }
  | { kind: 'set'; path: string[]; value: unknown }
  | { kind: 'proto'; path: string[]; key: '__proto__' | 'constructor' | 'prototype' };

/** Every path to a value in a JSON document (objects and arrays), the root included. */
function pathsOf(value: unknown, prefix: string[] = []): string[][] {
  const out: string[][] = [prefix];
  if (value && typeof value === 'object' && !(value instanceof Raw)) for (const [k, v] of Object.entries(value)) out.push(...pathsOf(v, [...prefix, k]));
  return out;
}

/** A deep copy keeping `Raw` numbers and own `__proto__` keys as they are. */
function clone(v: unknown): unknown {
  if (v instanceof Raw || v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) return v.map(clone);
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) Object.defineProperty(out, k, { value: clone(x), enumerable: true, writable: true, configurable: true });
  return out;
}

function apply(doc: unknown, m: Mutation): unknown {
  if (m.path.length === 0) return m.kind === 'set' ? m.value : doc;
  const copy = clone(doc) as Record<string, unknown>;
  let at: Record<string, unknown> = copy;
  for (const k of m.path.slice(0, -1)) {
    const next = at[k];
    if (!next || typeof next !== 'object') return copy;
    at = next as Record<string, unknown>;
  }
  const last = m.path[m.path.length - 1]!;
  if (m.kind === 'drop') delete at[last];
  else if (m.kind === 'set') at[last] = m.value;
  else {
    const target = at[last];
    const holder = target && typeof target === 'object' ? (target as Record<string, unknown>) : at;
    // An own, enumerable key named __proto__ (as JSON.parse makes it), with a marker inside.
    Object.defineProperty(holder, m.key, { value: { polluted: 'yes', isAdmin: true }, enumerable: true, writable: true, configurable: true });
  }
  return copy;
}

/**
 * A valid document changed by one to three mutations: a field dropped, a field set to a
 * hostile value (wrong type, huge string, unicode, negative/huge/infinite number), or a
 * prototype-pollution key added. `fields` are extra top-level names to set (ones the
 * valid document leaves out).
 */
export function mutated(valid: unknown, fields: readonly string[] = []): fc.Arbitrary<unknown> {
  const paths = [...pathsOf(valid).filter((p) => p.length > 0), ...fields.map((f) => [f])];
  const path = fc.constantFrom(...paths);
  const mutation: fc.Arbitrary<Mutation> = fc.oneof(
    { weight: 2, arbitrary: path.map((p): Mutation => ({ kind: 'drop', path: p })) },
    { weight: 6, arbitrary: fc.record({ path, value: wrongValue }).map(({ path: p, value }): Mutation => ({ kind: 'set', path: p, value })) },
    {
      weight: 1,
      arbitrary: fc
        .record({ path: fc.oneof(fc.constant<string[]>([]), path), key: fc.constantFrom('__proto__' as const, 'constructor' as const, 'prototype' as const) })
        .map(({ path: p, key }): Mutation => ({ kind: 'proto', path: p.length === 0 ? ['__self__'] : p, key })),
    },
  );
  return fc
    .array(mutation, { minLength: 1, maxLength: 3 })
    .map((ms) => ms.reduce<unknown>((doc, m) => (m.kind === 'proto' && m.path[0] === '__self__' ? protoAtRoot(doc, m.key) : apply(doc, m)), valid));
}

function protoAtRoot(doc: unknown, key: string): unknown {
  const copy = clone(doc);
  if (copy && typeof copy === 'object') {
    Object.defineProperty(copy, key, { value: { polluted: 'yes', isAdmin: true }, enumerable: true, writable: true, configurable: true });
  }
  return copy;
}

/** A request body as text: mostly mutations of `valid`, some arbitrary JSON, some not JSON at all, and `valid` itself. */
export function bodyText(valid: unknown, fields: readonly string[] = []): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 1, arbitrary: fc.constant(jsonText(valid)) },
    { weight: 8, arbitrary: mutated(valid, fields).map(jsonText) },
    { weight: 1, arbitrary: fc.anything({ maxDepth: 3 }).map(jsonText) },
    { weight: 1, arbitrary: fc.json({ maxDepth: 3 }) },
    { weight: 1, arbitrary: fc.string({ maxLength: 60 }) },
  );
}

/** True when Object.prototype (or Array's) carries something it did not: a polluted prototype. */
export function prototypePolluted(): string | undefined {
  const probe = {} as Record<string, unknown>;
  for (const key of ['polluted', 'isAdmin']) if (probe[key] !== undefined) return `Object.prototype.${key} is set`;
  if (Object.keys(Object.prototype).length > 0) return `Object.prototype has ${Object.keys(Object.prototype).join(',')}`;
  if (Object.keys(Array.prototype).length > 0) return `Array.prototype has ${Object.keys(Array.prototype).join(',')}`;
  return undefined;
}

/** What one surface did with its inputs. */
export interface SurfaceCount {
  surface: string;
  tried: number;
  accepted: number;
  refused: number;
  acceptedWrongly: number;
  crashes: number;
}

/** Counts per surface, and the first few inputs of each bad kind, for the report. */
export class Tally {
  private readonly counts = new Map<string, SurfaceCount>();
  readonly problems: string[] = [];

  of(surface: string): SurfaceCount {
    let c = this.counts.get(surface);
    if (!c) {
      c = { surface, tried: 0, accepted: 0, refused: 0, acceptedWrongly: 0, crashes: 0 };
      this.counts.set(surface, c);
    }
    return c;
  }

  problem(what: string): void {
    if (this.problems.length < 50) this.problems.push(what);
  }

  all(): SurfaceCount[] {
    return [...this.counts.values()];
  }

  total(): Omit<SurfaceCount, 'surface'> {
    const t = { tried: 0, accepted: 0, refused: 0, acceptedWrongly: 0, crashes: 0 };
    for (const c of this.counts.values()) {
      t.tried += c.tried;
      t.accepted += c.accepted;
      t.refused += c.refused;
      t.acceptedWrongly += c.acceptedWrongly;
      t.crashes += c.crashes;
    }
    return t;
  }

  /** A table for the test's output (and docs/security.md). */
  print(title: string): void {
    const rows = this.all().map((c) => `| ${c.surface} | ${c.tried} | ${c.accepted} | ${c.refused} | ${c.acceptedWrongly} | ${c.crashes} |`);
    const t = this.total();
    console.log(
      [
        `${title} (seed ${FUZZ_SEED}${process.env.FUZZ_RUNS ? `, FUZZ_RUNS=${process.env.FUZZ_RUNS}` : ''})`,
        '| surface | inputs tried | accepted | refused | accepted wrongly | crashes |',
        '| --- | --- | --- | --- | --- | --- |',
        ...rows,
        `| **total** | ${t.tried} | ${t.accepted} | ${t.refused} | ${t.acceptedWrongly} | ${t.crashes} |`,
      ].join('\n'),
    );
  }
}

/** A shortened input for messages. */
export function brief(text: string, max = 300): string {
  return text.length > max ? `${text.slice(0, max)}... (${text.length} chars)` : text;
}
