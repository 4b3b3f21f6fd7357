import { Histogram } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { AppsMetrics } from '../core/apps-metrics.js';
import { acceptsJsonFirst, dropwizardMetrics } from './metrics-json.js';

describe('metrics JSON', () => {
  it('metrics-json - JSON only when Accept puts application/json first; scrapers, text/plain and no header get Prometheus text', () => {
    for (const json of [
      'application/json',
      'application/json; charset=utf-8',
      'application/json, text/plain, */*',
      'text/plain;q=0.5, application/json',
      'application/vnd.x+json',
    ]) {
      expect(acceptsJsonFirst(json), json).toBe(true);
    }
    for (const text of [
      undefined,
      '',
      '*/*',
      'text/plain',
      'text/plain, application/json',
      'application/json;q=0.4, text/plain',
      'application/json;q=0',
      'application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5,*/*;q=0.1',
    ]) {
      expect(acceptsJsonFirst(text), String(text)).toBe(false);
    }
  });

  it("metrics-json - Dropwizard's document: Marathon's names for what Tandem measures, and every series by its Prometheus name", async () => {
    const m = new AppsMetrics({ processMetrics: false });
    m.apps.set(2);
    m.deployments.set(1);
    m.instances.set({ condition: 'Running' }, 3);
    m.instances.set({ condition: 'Staging' }, 1);
    m.instances.set({ condition: 'Starting' }, 1);
    m.launched.inc(5);
    m.offers.inc({ outcome: 'used' }, 4);
    m.offers.inc({ outcome: 'declined' }, 6);
    m.http.inc({ method: 'GET', status: '200' });
    const doc = await dropwizardMetrics(m.registry);
    expect(Object.keys(doc)).toEqual(['version', 'gauges', 'counters', 'histograms', 'meters', 'timers']);
    expect(doc.version).toBe('4.0.0');
    expect(doc.gauges['marathon.apps.active.gauge']).toEqual({ value: 2 });
    expect(doc.gauges['marathon.deployments.active.gauge']).toEqual({ value: 1 });
    expect(doc.gauges['marathon.instances.running.gauge']).toEqual({ value: 3 });
    expect(doc.gauges['marathon.instances.staged.gauge']).toEqual({ value: 2 });
    expect(doc.counters['marathon.tasks.launched.counter']).toEqual({ count: 5 });
    expect(doc.counters['marathon.mesos.offers.incoming.counter']).toEqual({ count: 10 });
    expect(doc.counters['marathon.mesos.offers.used.counter']).toEqual({ count: 4 });
    expect(doc.counters['marathon.mesos.offers.declined.counter']).toEqual({ count: 6 });
    expect(doc.gauges['tandem_apps_instances.condition.Running']).toEqual({ value: 3 });
    expect(doc.counters['tandem_apps_http_requests_total.method.GET.status.200']).toEqual({ count: 1 });
    expect(doc.gauges.tandem_apps_apps).toEqual({ value: 2 });
    // A histogram (none in the apps framework today) is its count and mean.
    new Histogram({ name: 'tandem_test_seconds', help: 'x', buckets: [1, 10], registers: [m.registry] }).observe(3);
    expect((await dropwizardMetrics(m.registry)).histograms.tandem_test_seconds).toEqual({ count: 1, mean: 3 });
  });
});
