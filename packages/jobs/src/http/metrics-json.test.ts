import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { dropwizardMetrics, prefersPrometheus } from './metrics-json.js';

describe('jobs metrics json', () => {
  it('jobs metrics json - a scraper (Prometheus, text/plain first) gets text; curl (*/*), JSON clients and no Accept get JSON', () => {
    const prometheus = 'application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1';
    expect(prefersPrometheus(prometheus)).toBe(true);
    expect(prefersPrometheus('text/plain')).toBe(true);
    expect(prefersPrometheus('text/plain, application/json')).toBe(true);
    expect(prefersPrometheus('*/*')).toBe(false);
    expect(prefersPrometheus(undefined)).toBe(false);
    expect(prefersPrometheus('application/json')).toBe(false);
    expect(prefersPrometheus('application/json, text/plain')).toBe(false);
  });

  it('jobs metrics json - gauges as {value}, counters as {count}, one entry per labelled series named metric.label.value', async () => {
    const registry = new Registry();
    new Gauge({ name: 'g', help: 'g', registers: [registry] }).set(3);
    const c = new Counter({ name: 'c_total', help: 'c', labelNames: ['status'], registers: [registry] });
    c.inc({ status: 'SUCCESS' }, 2);
    c.inc({ status: 'FAILED' });
    expect(await dropwizardMetrics(registry)).toEqual({
      version: '4.0.0',
      gauges: { g: { value: 3 } },
      counters: { 'c_total.status.SUCCESS': { count: 2 }, 'c_total.status.FAILED': { count: 1 } },
      histograms: {},
      meters: {},
      timers: {},
    });
  });

  it('jobs metrics json - a histogram is its count and mean over its labels', async () => {
    const registry = new Registry();
    const h = new Histogram({ name: 'h_seconds', help: 'h', labelNames: ['op'], buckets: [1, 10], registers: [registry] });
    h.observe({ op: 'put' }, 2);
    h.observe({ op: 'delete' }, 4);
    expect((await dropwizardMetrics(registry)).histograms).toEqual({ h_seconds: { count: 2, mean: 3 } });
  });
});
