import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MemoryStore } from '@tandem/store';
import { afterEach, describe, expect, it } from 'vitest';
import { Master } from './master.js';

let master: Master | undefined;
afterEach(async () => {
  await master?.stop();
  master = undefined;
});

describe('master HTTP API', () => {
  it('http - health, JSON state, Prometheus metrics and clear errors for logs', async () => {
    master = new Master({ host: '127.0.0.1', port: 0, httpPort: 0, workDir: mkdtempSync(join(tmpdir(), 'tandem-http-')), store: new MemoryStore() });
    await master.start();
    const base = `http://127.0.0.1:${master.httpPort}`;
    const health = await fetch(`${base}/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: 'ok', masterId: master.masterId });
    const state = (await (await fetch(`${base}/api/v1/state`)).json()) as Record<string, unknown>;
    expect(state).toMatchObject({ masterId: master.masterId, agents: [], frameworks: [], tasks: [] });
    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toMatch(/^tandem_master_agents\{phase="ACTIVE"\} 0$/m);
    expect(metrics).toMatch(/^tandem_master_offers_outstanding 0$/m);
    expect(metrics).toMatch(/tandem_master_allocation_seconds_bucket/);
    const unknown = await fetch(`${base}/api/v1/tasks/nope/logs`);
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as { message: string }).message).toMatch(/task nope is not known/);
    const bad = await fetch(`${base}/api/v1/tasks/nope/logs?offset=abc`);
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { message: string }).message).toMatch(/^offset:/);
  });
});
