import { join } from 'node:path';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { Agent, ProcessContainerizer, startAgentHttp } from '@tandem/agent';
import { AppsFramework } from '@tandem/apps';
import { SchedulerDriver, taskInfo } from '@tandem/framework-sdk';
import { JobsFramework } from '@tandem/jobs';
import { FileStore } from '@tandem/store';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanup, recorder, spawnTandem, tempDir, track, waitFor } from './support/cluster.js';
import { NatsServer } from './support/nats.js';
import { ExpositionError, histogramCount, type MetricFamily, parseExposition, sampleValue } from './support/prom-text.js';

// Metrics and events of one real cluster: a `tandem master --nats` child process on a real
// nats-server, an agent (process containerizer) with its HTTP port, the apps and jobs
// frameworks, and a framework that launches a task. Each component's /metrics is parsed
// strictly (support/prom-text.ts) and its histograms must have observations; a NATS
// subscriber reads the master's events; a frozen NATS must not hold up scheduling.

afterAll(cleanup);

let nats: NatsServer;
let sub: NatsConnection;
const events: { subject: string; body: Record<string, unknown> | string }[] = [];
let masterHttp = '';
let agentHttp = '';
let apps: AppsFramework;
let jobs: JobsFramework;
let driver: SchedulerDriver;
let rec: ReturnType<typeof recorder>;
const usedOffers = new Set<string>();

async function scrape(url: string): Promise<Map<string, MetricFamily>> {
  const res = await fetch(url, { headers: { accept: 'text/plain' } });
  expect(res.status, url).toBe(200);
  expect(res.headers.get('content-type'), url).toMatch(/^text\/plain; version=0\.0\.4/);
  return parseExposition(await res.text());
}

/** Waits until `name`'s observation count at `url` is above zero; returns the parsed scrape. */
async function observed(url: string, name: string, labels: Record<string, string> = {}): Promise<Map<string, MetricFamily>> {
  let last = new Map<string, MetricFamily>();
  await waitFor(
    async () => {
      last = await scrape(url);
      return histogramCount(last, name, labels) > 0;
    },
    `${name} observed at ${url}`,
    30_000,
    200,
  );
  return last;
}

beforeAll(async () => {
  nats = await NatsServer.start();
  track(() => nats.dispose());
  sub = await connect({ servers: nats.url });
  track(() => sub.close());
  sub.subscribe('tandem.events.>', {
    callback: (err, msg) => {
      if (err) return;
      const text = msg.string();
      let body: Record<string, unknown> | string;
      try {
        body = JSON.parse(text);
      } catch {
        body = `not JSON: ${text}`;
      }
      events.push({ subject: msg.subject, body });
    },
  });
  await sub.flush();

  const master = spawnTandem(
    [
      'master',
      '--host',
      '127.0.0.1',
      '--port',
      '0',
      '--http-port',
      '0',
      '--work-dir',
      join(tempDir(), 'master'),
      '--allocation-interval',
      '0.2',
      '--nats',
      nats.url,
    ],
    'info',
  );
  const ports = await waitFor(() => /tandem master: gRPC 127\.0\.0\.1:(\d+), HTTP 127\.0\.0\.1:(\d+)/.exec(master.output()), 'the master to listen', 30_000);
  const address = `127.0.0.1:${ports[1]}`;
  masterHttp = `http://127.0.0.1:${ports[2]}`;
  await waitFor(() => master.output().includes('publishing events on NATS'), 'the master to publish on NATS', 30_000);

  const agent = new Agent({
    master: address,
    workDir: join(tempDir(), 'agent'),
    hostname: 'metrics-host',
    resources: 'cpus:4;mem:4096;disk:4096;ports:[31500-31509]',
    containerizers: [new ProcessContainerizer()],
    statusRetryMs: { initial: 200, max: 1000 },
    reconnectBackoff: { initialMs: 100, maxMs: 500 },
  });
  await agent.start();
  track(() => agent.stop({ killTasks: true }));
  const http = await startAgentHttp(agent, '127.0.0.1', 0);
  track(() => http.close());
  agentHttp = `http://127.0.0.1:${http.port}`;

  driver = new SchedulerDriver({ master: address, framework: { name: 'metrics-it', failoverTimeoutSeconds: 30 }, reconnect: { initialMs: 100, maxMs: 500 } });
  rec = recorder(driver);
  await driver.start();
  track(() => driver.stop());
  const offer = await waitFor(() => rec.offers[0], 'an offer');
  usedOffers.add(offer.id);
  await driver.launch(offer, [taskInfo({ id: 'm1', cpus: 0.1, mem: 16, command: 'sleep 60' }, offer)]);
  await waitFor(() => rec.states('m1').includes('TASK_RUNNING'), 'm1 running', 30_000);

  const appsStore = new FileStore({ dir: join(tempDir(), 'apps') });
  apps = new AppsFramework({ master: address, store: appsStore, port: 0, host: '127.0.0.1', tickMs: 100, reconnect: { initialMs: 100, maxMs: 500 } });
  track(() => appsStore.close());
  track(() => apps.stop());
  await apps.start();
  const jobsStore = new FileStore({ dir: join(tempDir(), 'jobs') });
  jobs = new JobsFramework({ master: address, store: jobsStore, port: 0, host: '127.0.0.1', reconnect: { initialMs: 100, maxMs: 500 } });
  track(() => jobsStore.close());
  track(() => jobs.stop());
  await jobs.start();
}, 120_000);

describe('metrics and events', () => {
  it('metrics - the master, agent, apps and jobs serve Prometheus text that parses, with their histograms observed', async () => {
    const m = await observed(`${masterHttp}/metrics`, 'tandem_master_launch_to_running_seconds');
    expect(histogramCount(m, 'tandem_master_allocation_seconds')).toBeGreaterThan(0);
    expect(histogramCount(m, 'tandem_master_offer_to_accept_seconds', { outcome: 'accepted' })).toBeGreaterThan(0);
    expect(histogramCount(m, 'tandem_master_store_write_seconds', { op: 'put', result: 'ok' })).toBeGreaterThan(0);
    expect(sampleValue(m, 'tandem_master_tasks', { state: 'TASK_RUNNING' })).toBeGreaterThanOrEqual(1);
    expect(sampleValue(m, 'tandem_master_tasks', { state: 'TASK_KILLING' })).toBe(0);
    expect(sampleValue(m, 'tandem_master_agents_by_status', { status: 'AGENT_ACTIVE' })).toBe(1);
    expect(sampleValue(m, 'tandem_master_agents_by_status', { status: 'AGENT_GONE' })).toBe(0);
    // Every value of the AgentStatus enum has its series, those added with drains too.
    expect(sampleValue(m, 'tandem_master_agents_by_status', { status: 'AGENT_DRAINING' })).toBe(0);
    expect(sampleValue(m, 'tandem_master_events_published_total', { kind: 'task_updated' })).toBeGreaterThan(0);
    expect(m.get('tandem_master_process_cpu_user_seconds_total')?.type).toBe('counter');

    const a = await observed(`${agentHttp}/metrics`, 'tandem_agent_container_launch_seconds', { containerizer: 'process', result: 'ok' });
    expect(sampleValue(a, 'tandem_agent_tasks', { state: 'TASK_RUNNING' })).toBe(1);
    expect(sampleValue(a, 'tandem_agent_resources_total', { resource: 'cpus' })).toBe(4);
    expect(sampleValue(a, 'tandem_agent_resources_total', { resource: 'ports' })).toBe(10);
    expect(sampleValue(a, 'tandem_agent_resources_used', { resource: 'cpus' })).toBeCloseTo(0.1);
    expect(sampleValue(a, 'tandem_agent_up')).toBe(1);

    const p = await observed(`${apps.url}/metrics`, 'tandem_apps_store_write_seconds');
    expect(p.get('tandem_apps_process_cpu_user_seconds_total')?.type).toBe('counter');

    const created = await fetch(`${jobs.url}/v1/jobs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ id: 'metrics-job', run: { cmd: 'true', cpus: 0.1, mem: 32 } }),
    });
    expect(created.status).toBe(201);
    const j = await observed(`${jobs.url}/metrics`, 'tandem_jobs_store_write_seconds', { op: 'put' });
    expect(sampleValue(j, 'tandem_jobs_jobs')).toBe(1);
    // Metronome's JSON is still what /v1/metrics answers a JSON client, the histogram as {count, mean}.
    const json = (await (await fetch(`${jobs.url}/v1/metrics`, { headers: { accept: 'application/json' } })).json()) as {
      histograms: Record<string, { count: number }>;
    };
    expect(json.histograms.tandem_jobs_store_write_seconds?.count).toBeGreaterThan(0);

    // Under `tandem up` the four share one process: no metric name may be served by two of them.
    const seen = new Map<string, string>();
    for (const [who, families] of [
      ['master', m],
      ['agent', a],
      ['apps', p],
      ['jobs', j],
    ] as const) {
      for (const name of families.keys()) {
        expect(seen.get(name), `${name} served by ${who} and ${seen.get(name)}`).toBeUndefined();
        seen.set(name, who);
      }
    }
  });

  it('events - the master publishes task_added and task_updated of the launched task on tandem.events.<kind>, as JSON', async () => {
    const running = await waitFor(
      () =>
        events.find(
          (e) => e.subject === 'tandem.events.task_updated' && typeof e.body === 'object' && e.body.taskId === 'm1' && e.body.state === 'TASK_RUNNING',
        ),
      'the TASK_RUNNING event of m1 on NATS',
      30_000,
    );
    expect(running.body).toMatchObject({ taskId: 'm1', state: 'TASK_RUNNING', frameworkId: driver.frameworkId });
    const added = events.find((e) => e.subject === 'tandem.events.task_added');
    expect(added?.body).toMatchObject({ frameworkId: driver.frameworkId, state: 'TASK_STAGING' });
    expect(events.some((e) => e.subject === 'tandem.events.framework_added')).toBe(true);
    expect(events.filter((e) => typeof e.body === 'string')).toEqual([]);
  });

  it('events - a frozen NATS does not hold up scheduling: a task launched meanwhile runs, and its events follow once NATS is back', async () => {
    await nats.pause();
    try {
      const offer = await waitFor(() => rec.offers.findLast((o) => !usedOffers.has(o.id)), 'another offer', 30_000);
      usedOffers.add(offer.id);
      await driver.launch(offer, [taskInfo({ id: 'm2', cpus: 0.1, mem: 16, command: 'sleep 60' }, offer)]);
      await waitFor(() => rec.states('m2').includes('TASK_RUNNING'), 'm2 running while NATS is frozen', 30_000);
      const state = await (await fetch(`${masterHttp}/api/v1/state`)).json();
      expect((state as { tasks: { id: string; state: string }[] }).tasks.find((t) => t.id === 'm2')?.state).toBe('TASK_RUNNING');
    } finally {
      nats.resume();
    }
    await waitFor(
      () =>
        events.find(
          (e) => e.subject === 'tandem.events.task_updated' && typeof e.body === 'object' && e.body.taskId === 'm2' && e.body.state === 'TASK_RUNNING',
        ),
      "m2's TASK_RUNNING on NATS after it thawed",
      30_000,
    );
  });
});

describe('prom-text - the test parser is strict', () => {
  const good = [
    '# HELP a_total Things.',
    '# TYPE a_total counter',
    'a_total{x="1",y="q\\"uote\\\\"} 3',
    '# TYPE h histogram',
    'h_bucket{le="0.1"} 1',
    'h_bucket{le="+Inf"} 2',
    'h_sum 0.5',
    'h_count 2',
    '',
  ].join('\n');

  it('prom-text - parses a well-formed exposition', () => {
    const f = parseExposition(good);
    expect(f.get('a_total')).toMatchObject({ type: 'counter', help: 'Things.' });
    expect(f.get('a_total')?.samples[0]?.labels).toEqual({ x: '1', y: 'q"uote\\' });
    expect(histogramCount(f, 'h')).toBe(2);
  });

  it('prom-text - rejects malformed text', () => {
    const bad: [string, string][] = [
      ['free text', 'this is not {{ metrics\n'],
      ['HTML', '<html><body>hi</body></html>\n'],
      ['a value that is no float', '# TYPE a gauge\na abc\n'],
      ['an unterminated label value', '# TYPE a gauge\na{x="1} 3\n'],
      ['a label list not closed', '# TYPE a gauge\na{x="1" 3\n'],
      ['a bad escape', 'a{x="\\q"} 1\n'],
      ['a series twice', 'a{x="1"} 1\na{x="1"} 2\n'],
      ['TYPE after samples', 'a 1\n# TYPE a gauge\n'],
      ['a second TYPE', '# TYPE a gauge\n# TYPE a counter\n'],
      ['an unknown type', '# TYPE a meter\n'],
      ['a family split', 'a 1\nb 1\na{x="2"} 1\n'],
      ['no +Inf bucket', '# TYPE h histogram\nh_bucket{le="1"} 1\nh_sum 1\nh_count 1\n'],
      ['buckets not cumulative', '# TYPE h histogram\nh_bucket{le="1"} 2\nh_bucket{le="+Inf"} 1\nh_sum 1\nh_count 1\n'],
      ['_count not the +Inf bucket', '# TYPE h histogram\nh_bucket{le="+Inf"} 2\nh_sum 1\nh_count 1\n'],
      ['no trailing newline', 'a 1'],
      ['a timestamp that is no integer', 'a 1 soon\n'],
    ];
    for (const [what, text] of bad) expect(() => parseExposition(text), what).toThrow(ExpositionError);
  });
});
