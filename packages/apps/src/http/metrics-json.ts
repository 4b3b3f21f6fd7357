import type { Registry } from 'prom-client';

/** The `version` Marathon's `/metrics` JSON carries (that of the Dropwizard metrics JSON module it writes with). */
export const DROPWIZARD_JSON_VERSION = '4.0.0';

/** Marathon's `/metrics` document: Dropwizard's JSON of a metric registry. */
export interface DropwizardMetrics {
  version: string;
  gauges: Record<string, { value: number }>;
  counters: Record<string, { count: number }>;
  histograms: Record<string, { count: number; mean: number }>;
  meters: Record<string, never>;
  timers: Record<string, never>;
}

/**
 * Marathon's names for what Tandem also measures, each read from Tandem's metric (and,
 * where Tandem's has a label, the label values summed). Marathon's other metrics (JVM,
 * HTTP meters and timers, persistence) have no counterpart and are not invented.
 */
const MARATHON_NAMES: readonly { name: string; kind: 'gauges' | 'counters'; from: string; label?: [string, readonly string[]] }[] = [
  { name: 'marathon.apps.active.gauge', kind: 'gauges', from: 'tandem_apps_apps' },
  { name: 'marathon.deployments.active.gauge', kind: 'gauges', from: 'tandem_apps_deployments' },
  { name: 'marathon.instances.running.gauge', kind: 'gauges', from: 'tandem_apps_instances', label: ['condition', ['Running']] },
  { name: 'marathon.instances.staged.gauge', kind: 'gauges', from: 'tandem_apps_instances', label: ['condition', ['Provisioned', 'Staging', 'Starting']] },
  { name: 'marathon.tasks.launched.counter', kind: 'counters', from: 'tandem_apps_tasks_launched_total' },
  { name: 'marathon.mesos.offers.incoming.counter', kind: 'counters', from: 'tandem_apps_offers_total' },
  { name: 'marathon.mesos.offers.used.counter', kind: 'counters', from: 'tandem_apps_offers_total', label: ['outcome', ['used']] },
  { name: 'marathon.mesos.offers.declined.counter', kind: 'counters', from: 'tandem_apps_offers_total', label: ['outcome', ['declined']] },
];

/** `name`, or `name.a.x.b.y` for a series with labels a="x", b="y" (as the jobs API names them). */
function seriesName(name: string, labels: Record<string, string | number | undefined>): string {
  return Object.entries(labels)
    .filter(([, v]) => v !== undefined)
    .reduce((out, [k, v]) => `${out}.${k}.${String(v)}`, name);
}

/**
 * The registry as Marathon's `GET /metrics` answers (Dropwizard's JSON): Marathon's names
 * for what Tandem measures too (`marathon.apps.active.gauge`, ...), and every Tandem
 * series under its Prometheus name and labels (`tandem_apps_instances.condition.Running`):
 * gauges as `{value}`, counters as `{count}`, histograms as `{count, mean}`.
 */
export async function dropwizardMetrics(registry: Registry): Promise<DropwizardMetrics> {
  const out: DropwizardMetrics = { version: DROPWIZARD_JSON_VERSION, gauges: {}, counters: {}, histograms: {}, meters: {}, timers: {} };
  const metrics = await registry.getMetricsAsJSON();
  const byName = new Map(metrics.map((m) => [m.name, m]));
  for (const alias of MARATHON_NAMES) {
    const m = byName.get(alias.from);
    if (!m) continue;
    const values = alias.label ? m.values.filter((v) => alias.label![1].includes(String(v.labels[alias.label![0]]))) : m.values;
    const sum = values.reduce((s, v) => s + v.value, 0);
    if (alias.kind === 'gauges') out.gauges[alias.name] = { value: sum };
    else out.counters[alias.name] = { count: sum };
  }
  for (const m of metrics) {
    const type = String(m.type);
    if (type === 'gauge') for (const v of m.values) out.gauges[seriesName(m.name, v.labels)] = { value: v.value };
    else if (type === 'counter') for (const v of m.values) out.counters[seriesName(m.name, v.labels)] = { count: v.value };
    else if (type === 'histogram' || type === 'summary') {
      // prom-client lists a histogram's buckets, sum and count as values named by `metricName`.
      const named = m.values as { value: number; labels: Record<string, string | number>; metricName?: string }[];
      const count = named.find((v) => v.metricName === `${m.name}_count`)?.value ?? 0;
      const sum = named.find((v) => v.metricName === `${m.name}_sum`)?.value ?? 0;
      out.histograms[m.name] = { count, mean: count === 0 ? 0 : sum / count };
    }
  }
  return out;
}

/**
 * Whether an Accept header asks for JSON before Prometheus text: `application/json` (or a
 * `+json` type) with a quality above zero and not below that of `text/plain` or
 * `application/openmetrics-text`; on a tie, whichever is listed first. No header, a
 * wildcard alone and `text/plain` get the Prometheus text (what scrapers send).
 */
export function acceptsJsonFirst(accept: string | undefined): boolean {
  let json: { q: number; at: number } | undefined;
  let text: { q: number; at: number } | undefined;
  (accept ?? '').split(',').forEach((part, at) => {
    const [type = '', ...params] = part.split(';').map((s) => s.trim().toLowerCase());
    const qParam = params.find((p) => p.startsWith('q='));
    const q = qParam === undefined ? 1 : Number(qParam.slice(2));
    if (!Number.isFinite(q) || q <= 0) return;
    const isJson = type === 'application/json' || /^application\/[a-z0-9.+-]+\+json$/.test(type);
    const isText = type === 'text/plain' || type === 'text/*' || type === 'application/openmetrics-text';
    if (isJson && (!json || q > json.q)) json = { q, at };
    if (isText && (!text || q > text.q)) text = { q, at };
  });
  if (!json) return false;
  if (!text) return true;
  return json.q > text.q || (json.q === text.q && json.at < text.at);
}
