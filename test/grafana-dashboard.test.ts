import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AgentMetrics } from '@tandem/agent';
import { AppsFramework } from '@tandem/apps';
import { JobsFramework } from '@tandem/jobs';
import { EventPublisher, Master } from '@tandem/master';
import { Resources } from '@tandem/protocol';
import { MemoryStore } from '@tandem/store';
import type { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { REPO, tempDir } from './support/cluster.js';

// docs/grafana/tandem.json is a Grafana dashboard (its JSON model) over the metrics the
// components register: every series an expression names must be one the code serves,
// and the histograms operators need must each have a panel.

interface Panel {
  id: number;
  type: string;
  title: string;
  gridPos: { h: number; w: number; x: number; y: number };
  datasource?: { type: string; uid: string };
  targets?: { refId: string; expr: string }[];
}

/** The series names a registry serves: each metric's, and a histogram's _bucket, _sum and _count. */
async function seriesNames(registry: Registry): Promise<string[]> {
  return (await registry.getMetricsAsJSON()).flatMap((m) => {
    const type = String(m.type);
    if (type === 'histogram') return [m.name, `${m.name}_bucket`, `${m.name}_sum`, `${m.name}_count`];
    if (type === 'summary') return [m.name, `${m.name}_sum`, `${m.name}_count`];
    return [m.name];
  });
}

async function registeredNames(): Promise<Set<string>> {
  const master = new Master({ host: '127.0.0.1', port: 0, httpPort: -1, workDir: join(tempDir(), 'master') });
  master.metrics.countPublished(new EventPublisher({ publish: () => undefined, flush: async () => undefined }));
  const agent = new AgentMetrics({ state: 'running', totalResources: Resources.EMPTY, tasks: () => [], usedResources: () => Resources.EMPTY });
  const apps = new AppsFramework({ master: '127.0.0.1:1', store: new MemoryStore(), port: -1 });
  const jobs = new JobsFramework({ master: '127.0.0.1:1', store: new MemoryStore(), port: -1 });
  const names = new Set<string>();
  for (const r of [master.metrics.registry, agent.registry, apps.metrics.registry, jobs.metrics.registry]) for (const n of await seriesNames(r)) names.add(n);
  return names;
}

describe('grafana dashboard', () => {
  const dashboard = JSON.parse(readFileSync(join(REPO, 'docs', 'grafana', 'tandem.json'), 'utf8')) as {
    title: string;
    uid: string;
    schemaVersion: number;
    panels: Panel[];
    templating: { list: { name: string; type: string }[] };
  };

  it('grafana dashboard - a dashboard JSON model: title, uid, schema version, a Prometheus data source variable, panels with unique ids inside the 24-column grid', () => {
    expect(dashboard.title).toBe('Tandem');
    expect(dashboard.uid).toMatch(/^[a-z0-9-]{1,40}$/);
    expect(dashboard.schemaVersion).toBeGreaterThanOrEqual(36);
    expect(dashboard.templating.list.find((v) => v.name === 'datasource')?.type).toBe('datasource');
    const ids = dashboard.panels.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const p of dashboard.panels) {
      expect(p.gridPos.x + p.gridPos.w, p.title).toBeLessThanOrEqual(24);
      if (p.type === 'row') continue;
      // Grafana's variable syntax, not a template literal.
      expect(p.datasource, p.title).toEqual({ type: 'prometheus', uid: ['$', '{datasource}'].join('') });
      expect(p.targets?.length, p.title).toBeGreaterThan(0);
    }
  });

  it('grafana dashboard - every expression names only series the master, agent, apps and jobs register, and each required histogram has a panel', async () => {
    const known = await registeredNames();
    const used = new Set<string>();
    for (const p of dashboard.panels) {
      for (const t of p.targets ?? []) {
        const names = t.expr.match(/\btandem_[a-zA-Z0-9_:]+/g) ?? [];
        expect(names.length, `${p.title}: ${t.expr}`).toBeGreaterThan(0);
        for (const n of names) {
          expect(known.has(n), `${p.title}: ${n} is not a registered series`).toBe(true);
          used.add(n);
        }
      }
    }
    for (const h of [
      'tandem_master_allocation_seconds_bucket',
      'tandem_master_offer_to_accept_seconds_bucket',
      'tandem_master_launch_to_running_seconds_bucket',
      'tandem_master_store_write_seconds_bucket',
      'tandem_agent_container_launch_seconds_bucket',
      'tandem_apps_store_write_seconds_bucket',
      'tandem_jobs_store_write_seconds_bucket',
      'tandem_master_tasks',
      'tandem_master_agents_by_status',
      'tandem_agent_tasks',
      'tandem_agent_resources_used',
    ]) {
      expect(used.has(h), `no panel shows ${h}`).toBe(true);
    }
  });
});
