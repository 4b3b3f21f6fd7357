import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MemoryStore } from '@tandem/store';
import { afterEach, describe, expect, it } from 'vitest';
import { DrfAllocator } from './allocator/drf-allocator.js';
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

  it('http - role weights and quotas: GET, PUT all or nothing with 400 naming the field, 409 when guarantees exceed the agents, roles in the state', async () => {
    master = new Master({ host: '127.0.0.1', port: 0, httpPort: 0, workDir: mkdtempSync(join(tmpdir(), 'tandem-http-')), store: new MemoryStore() });
    await master.start();
    const base = `http://127.0.0.1:${master.httpPort}`;
    const put = (path: string, body: unknown) =>
      fetch(`${base}${path}`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const ok = await put('/api/v1/weights', {
      weights: [
        { role: 'a', weight: 3 },
        { role: 'b/c', weight: 0.5 },
      ],
    });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({
      weights: [
        { role: 'a', weight: 3 },
        { role: 'b/c', weight: 0.5 },
      ],
    });
    const bad = await put('/api/v1/weights', {
      weights: [
        { role: 'a', weight: 1 },
        { role: 'b', weight: 0 },
      ],
    });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ field: 'weights[1].weight' });
    expect(await (await fetch(`${base}/api/v1/weights`)).json()).toEqual({
      weights: [
        { role: 'a', weight: 3 },
        { role: 'b/c', weight: 0.5 },
      ],
    });

    const quota = { role: 'g', guarantee: { cpus: 1 }, limit: { cpus: 2 } };
    const over = await put('/api/v1/quota', { quotas: [quota] });
    expect(over.status).toBe(409);
    expect(await over.json()).toMatchObject({ field: 'quotas[0].guarantee.cpus', message: expect.stringMatching(/force/) });
    const badForce = await put('/api/v1/quota', { quotas: [quota], force: 'yes' });
    expect(badForce.status).toBe(400);
    expect(await badForce.json()).toEqual({ field: 'force', message: 'force: must be true or false, got "yes"' });
    const notObject = await put('/api/v1/weights', [{ role: 'a', weight: 2 }]);
    expect(notObject.status).toBe(400);
    expect(await notObject.json()).toMatchObject({ field: 'weights', message: expect.stringMatching(/at least one/) });
    const forced = await put('/api/v1/quota', { quotas: [quota], force: true });
    expect(forced.status).toBe(200);
    expect(await (await fetch(`${base}/api/v1/quota`)).json()).toEqual({ quotas: [quota] });
    const state = (await (await fetch(`${base}/api/v1/state`)).json()) as { roles: unknown[] };
    expect(state.roles).toEqual([
      { name: 'a', weight: 3, frameworks: [] },
      { name: 'b/c', weight: 0.5, frameworks: [] },
      { name: 'g', weight: 1, quota: { guarantee: { cpus: 1 }, limit: { cpus: 2 } }, frameworks: [] },
    ]);
  });

  it('http - an allocator without weights or quotas refuses them with 501 and changes nothing', async () => {
    master = new Master({
      host: '127.0.0.1',
      port: 0,
      httpPort: 0,
      workDir: mkdtempSync(join(tmpdir(), 'tandem-http-')),
      store: new MemoryStore(),
      allocator: new DrfAllocator(),
    });
    await master.start();
    const base = `http://127.0.0.1:${master.httpPort}`;
    const res = await fetch(`${base}/api/v1/weights`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ weights: [{ role: 'a', weight: 2 }] }),
    });
    expect(res.status).toBe(501);
    expect(((await res.json()) as { message: string }).message).toMatch(/does not support role weights/);
    expect(await (await fetch(`${base}/api/v1/weights`)).json()).toEqual({ weights: [] });
  });
});
