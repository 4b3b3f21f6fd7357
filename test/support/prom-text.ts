/**
 * A strict parser of the Prometheus text exposition format (version 0.0.4), for tests
 * that scrape `/metrics`. It rejects what Prometheus would refuse or what would hide a
 * mistake: a line that is not a comment, HELP, TYPE or sample; a bad metric or label
 * name; an unterminated or badly escaped label value; a value that is not a float; a
 * TYPE after its samples or twice; a family's samples split by another family; a series
 * twice; and histograms whose buckets are not cumulative, lack `+Inf`, or disagree with
 * `_count`. The npm parsers looked at accepted free text as samples, so this one is ours.
 */

export type MetricType = 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped';

export interface Sample {
  /** The sample's own name (`x_bucket`, `x_sum`, ... for a histogram `x`). */
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

export interface MetricFamily {
  readonly name: string;
  help: string | undefined;
  type: MetricType;
  readonly samples: Sample[];
}

export class ExpositionError extends Error {
  constructor(line: number, message: string, text: string) {
    super(`line ${line}: ${message}: ${JSON.stringify(text.slice(0, 200))}`);
  }
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const FLOAT = /^[+-]?(?:(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?|Inf|NaN)$/;
const TYPES: readonly MetricType[] = ['counter', 'gauge', 'histogram', 'summary', 'untyped'];

function parseFloatStrict(s: string): number | undefined {
  if (!FLOAT.test(s)) return undefined;
  if (/^[+-]?Inf$/.test(s)) return s.startsWith('-') ? -Infinity : Infinity;
  return Number(s);
}

/** The family a sample name belongs to, given the families whose TYPE is known. */
function familyOf(name: string, types: ReadonlyMap<string, MetricType>): string {
  for (const suffix of ['_bucket', '_sum', '_count']) {
    if (!name.endsWith(suffix)) continue;
    const base = name.slice(0, -suffix.length);
    const type = types.get(base);
    if (type === 'histogram' || (type === 'summary' && suffix !== '_bucket')) return base;
  }
  return name;
}

/** Reads `{a="x",b="y"}` from `text` at `at` (just after `{`); returns the labels and the index after `}`. */
function readLabels(text: string, at: number, fail: (m: string) => never): [Record<string, string>, number] {
  const labels: Record<string, string> = {};
  let i = at;
  for (;;) {
    if (text[i] === '}') return [labels, i + 1];
    const eq = text.indexOf('=', i);
    if (eq < 0) fail('a label without =');
    const name = text.slice(i, eq);
    if (!LABEL_NAME.test(name) || name.startsWith('__')) fail(`bad label name ${JSON.stringify(name)}`);
    if (name in labels) fail(`label ${name} twice`);
    if (text[eq + 1] !== '"') fail(`label ${name}'s value is not quoted`);
    let value = '';
    let j = eq + 2;
    for (;;) {
      const c = text[j];
      if (c === undefined) fail(`label ${name}'s value is not terminated`);
      if (c === '"') break;
      if (c === '\\') {
        const next = text[j + 1];
        if (next === '\\') value += '\\';
        else if (next === '"') value += '"';
        else if (next === 'n') value += '\n';
        else fail(`bad escape \\${next ?? ''} in label ${name}`);
        j += 2;
        continue;
      }
      value += c;
      j++;
    }
    labels[name] = value;
    i = j + 1;
    if (text[i] === ',') i++;
    else if (text[i] !== '}') fail(`expected , or } after label ${name}`);
  }
}

const seriesKey = (name: string, labels: Record<string, string>): string =>
  `${name}{${Object.keys(labels)
    .sort()
    .map((k) => `${k}=${JSON.stringify(labels[k])}`)
    .join(',')}}`;

/** Parses a whole exposition; throws an ExpositionError naming the line on anything malformed. */
export function parseExposition(text: string): Map<string, MetricFamily> {
  if (text.length > 0 && !text.endsWith('\n')) throw new ExpositionError(0, 'the exposition does not end with a newline', text.slice(-80));
  const families = new Map<string, MetricFamily>();
  const types = new Map<string, MetricType>();
  const closed = new Set<string>();
  const series = new Set<string>();
  let current: string | undefined;
  const enter = (name: string, n: number, line: string): MetricFamily => {
    if (current !== name) {
      if (closed.has(name)) throw new ExpositionError(n, `lines of ${name} are not together`, line);
      if (current !== undefined) closed.add(current);
      current = name;
    }
    let f = families.get(name);
    if (!f) {
      f = { name, help: undefined, type: types.get(name) ?? 'untyped', samples: [] };
      families.set(name, f);
    }
    return f;
  };
  const lines = text.split('\n');
  lines.pop();
  lines.forEach((line, index) => {
    const n = index + 1;
    const fail = (message: string): never => {
      throw new ExpositionError(n, message, line);
    };
    if (line.trim() === '') return;
    if (line.startsWith('#')) {
      const m = /^#\s+(HELP|TYPE)\s+(\S+)(?:\s(.*))?$/.exec(line);
      if (!m) return; // another comment
      const [, keyword, name = '', rest = ''] = m;
      if (!METRIC_NAME.test(name)) fail(`bad metric name ${JSON.stringify(name)}`);
      const f = enter(name, n, line);
      if (keyword === 'HELP') {
        if (f.help !== undefined) fail(`a second HELP for ${name}`);
        if (/\\[^\\n]/.test(rest.replace(/\\\\/g, ''))) fail('bad escape in HELP');
        f.help = rest.replace(/\\(\\|n)/g, (_m, c: string) => (c === 'n' ? '\n' : '\\'));
        return;
      }
      const type = rest.trim() as MetricType;
      if (!TYPES.includes(type)) fail(`unknown type ${JSON.stringify(rest)}`);
      if (types.has(name)) fail(`a second TYPE for ${name}`);
      if (f.samples.length > 0) fail(`TYPE of ${name} after its samples`);
      types.set(name, type);
      f.type = type;
      return;
    }
    const nameEnd = line.search(/[{\s]/);
    if (nameEnd <= 0) fail('not a sample line');
    const name = line.slice(0, nameEnd);
    if (!METRIC_NAME.test(name)) fail(`bad metric name ${JSON.stringify(name)}`);
    let labels: Record<string, string> = {};
    let i = nameEnd;
    if (line[i] === '{') [labels, i] = readLabels(line, i + 1, fail);
    const rest = line.slice(i);
    if (!/^[ \t]/.test(rest)) fail('no space before the value');
    const fields = rest.trim().split(/[ \t]+/);
    if (fields.length > 2) fail('more than a value and a timestamp');
    const value = parseFloatStrict(fields[0] ?? '');
    if (value === undefined) fail(`value ${JSON.stringify(fields[0])} is not a float`);
    if (fields[1] !== undefined && !/^-?\d+$/.test(fields[1])) fail(`timestamp ${JSON.stringify(fields[1])} is not an integer`);
    const family = enter(familyOf(name, types), n, line);
    const key = seriesKey(name, labels);
    if (series.has(key)) fail(`series ${key} twice`);
    series.add(key);
    if (family.type === 'histogram' && name.endsWith('_bucket') && labels.le === undefined) fail('a histogram bucket without le');
    family.samples.push({ name, labels, value: value as number });
  });
  for (const f of families.values()) if (f.type === 'histogram') checkHistogram(f);
  return families;
}

/** Every label set of a histogram has cumulative buckets ending in +Inf, a _sum, and a _count equal to its +Inf bucket. */
function checkHistogram(f: MetricFamily): void {
  const groups = new Map<string, { buckets: [number, number][]; sum?: number; count?: number }>();
  for (const s of f.samples) {
    const { le, ...rest } = s.labels;
    const key = seriesKey('', rest);
    const g = groups.get(key) ?? { buckets: [] };
    groups.set(key, g);
    if (s.name === `${f.name}_bucket`) {
      const bound = parseFloatStrict(le ?? '');
      if (bound === undefined) throw new ExpositionError(0, `${f.name}: le ${JSON.stringify(le)} is not a float`, key);
      g.buckets.push([bound, s.value]);
    } else if (s.name === `${f.name}_sum`) g.sum = s.value;
    else if (s.name === `${f.name}_count`) g.count = s.value;
    else throw new ExpositionError(0, `${f.name}: sample ${s.name} is not a histogram's`, key);
  }
  for (const [key, g] of groups) {
    const sorted = [...g.buckets].sort((a, b) => a[0] - b[0]);
    if (sorted.at(-1)?.[0] !== Infinity) throw new ExpositionError(0, `${f.name}${key}: no +Inf bucket`, key);
    for (let i = 1; i < sorted.length; i++) {
      if (sorted[i]![1] < sorted[i - 1]![1]) throw new ExpositionError(0, `${f.name}${key}: buckets are not cumulative`, key);
    }
    if (g.count === undefined || g.sum === undefined) throw new ExpositionError(0, `${f.name}${key}: no _count or _sum`, key);
    if (g.count !== sorted.at(-1)![1]) throw new ExpositionError(0, `${f.name}${key}: _count ${g.count} is not the +Inf bucket's ${sorted.at(-1)![1]}`, key);
  }
}

/** A histogram's observation count (summed over label sets matching `labels`); throws when the family is missing or not a histogram. */
export function histogramCount(families: Map<string, MetricFamily>, name: string, labels: Record<string, string> = {}): number {
  const f = families.get(name);
  if (!f) throw new Error(`no metric ${name} (have: ${[...families.keys()].join(', ')})`);
  if (f.type !== 'histogram') throw new Error(`${name} is a ${f.type}, not a histogram`);
  return f.samples.filter((s) => s.name === `${name}_count` && Object.entries(labels).every(([k, v]) => s.labels[k] === v)).reduce((n, s) => n + s.value, 0);
}

/** The value of one gauge or counter series (labels must match exactly the given ones among its labels). */
export function sampleValue(families: Map<string, MetricFamily>, name: string, labels: Record<string, string> = {}): number | undefined {
  const f = families.get(name);
  return f?.samples.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;
}
