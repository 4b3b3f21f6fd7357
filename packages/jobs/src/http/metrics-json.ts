import type { Registry } from 'prom-client';

/**
 * The registry as Metronome's `/v1/metrics` writes its metrics (Dropwizard's JSON:
 * `{version, gauges, counters, histograms, meters, timers}`): a gauge as `{value}`, a
 * counter as `{count}`, one entry per labelled series, named `metric.label.value`; a
 * histogram as `{count, mean}` over its labels.
 * Prometheus text stays at `/v1/metrics/prometheus` (and on `Accept: text/plain`).
 */
export async function dropwizardMetrics(registry: Registry): Promise<Record<string, unknown>> {
  const gauges: Record<string, { value: number }> = {};
  const counters: Record<string, { count: number }> = {};
  const histograms: Record<string, { count: number; mean: number }> = {};
  for (const metric of await registry.getMetricsAsJSON()) {
    const type = String(metric.type);
    if (type === 'histogram' || type === 'summary') {
      // Its count and mean over every label (prom-client names the _sum and _count values by `metricName`).
      const named = metric.values as { value: number; metricName?: string }[];
      const total = (suffix: string): number => named.filter((v) => v.metricName === `${metric.name}${suffix}`).reduce((s, v) => s + v.value, 0);
      const count = total('_count');
      histograms[metric.name] = { count, mean: count === 0 ? 0 : total('_sum') / count };
      continue;
    }
    for (const v of metric.values) {
      const suffix = Object.entries(v.labels ?? {})
        .map(([k, l]) => `.${k}.${String(l)}`)
        .join('');
      const name = `${metric.name}${suffix}`;
      if (String(metric.type) === 'counter') counters[name] = { count: v.value };
      else gauges[name] = { value: v.value };
    }
  }
  return { version: '4.0.0', gauges, counters, histograms, meters: {}, timers: {} };
}

/** Prometheus text when the client asks for text/plain (or OpenMetrics) before JSON; else JSON, as Metronome. */
export function prefersPrometheus(accept: string | undefined): boolean {
  const types = (accept ?? '').split(',').map((t) => t.split(';')[0]!.trim().toLowerCase());
  const text = types.findIndex((t) => t === 'text/plain' || t === 'application/openmetrics-text');
  const json = types.indexOf('application/json');
  return text >= 0 && (json < 0 || text < json);
}
