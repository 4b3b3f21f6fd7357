import { join } from 'node:path';
import type { Agent } from '@tandem/agent';
import { AppsFramework, type AppsFrameworkOptions } from '@tandem/apps';
import type { Master } from '@tandem/master';
import { FileStore } from '@tandem/store';
import { type AgentSetup, startAgent, tempDir, track, waitFor } from './cluster.js';

/** An apps framework on a FileStore in `workDir` (a fresh temp dir unless given), API on a free port. */
export async function startApps(master: Master, options: Partial<AppsFrameworkOptions> & { workDir?: string } = {}): Promise<AppsFramework> {
  const { workDir, ...rest } = options;
  const store = new FileStore({ dir: join(workDir ?? tempDir('tandem-apps-'), 'store') });
  const fw = new AppsFramework({
    master: master.address,
    store,
    port: 0,
    host: '127.0.0.1',
    tickMs: 100,
    minReviveIntervalMs: 100,
    reconnect: { initialMs: 100, maxMs: 500 },
    waitingDeclineSeconds: 1,
    ...rest,
  });
  const stop = async (): Promise<void> => {
    await fw.stop();
    await store.close();
  };
  stoppers.set(fw, stop);
  await fw.start();
  track(stop);
  return fw;
}

const stoppers = new WeakMap<AppsFramework, () => Promise<void>>();

/** Stops a framework of `startApps` and closes its store, so another may open the work dir. */
export async function stopApps(fw: AppsFramework): Promise<void> {
  await stoppers.get(fw)?.();
}

// biome-ignore lint/suspicious/noExplicitAny: reply bodies are Marathon JSON that the tests check by assertion, not by type
export interface ApiReply<T = any> {
  status: number;
  body: T;
  headers: Headers;
}

/** One request to the apps API; JSON in and out. `raw` sends the body text unchanged. */
// biome-ignore lint/suspicious/noExplicitAny: as ApiReply
export async function api<T = any>(base: string, method: string, path: string, body?: unknown, raw?: string): Promise<ApiReply<T>> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: body !== undefined || raw !== undefined ? { 'content-type': 'application/json' } : {},
    ...(raw !== undefined ? { body: raw } : body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    // text bodies (/ping, /metrics)
  }
  return { status: res.status, body: parsed as T, headers: res.headers };
}

/** Waits until no deployment runs. */
export async function deploymentsDone(base: string, timeoutMs = 30_000): Promise<void> {
  await waitFor(async () => (await api(base, 'GET', '/v2/deployments')).body.length === 0, 'deployments to finish', timeoutMs, 100);
}

/** A Marathon app running busybox httpd on $PORT0 as a plain process. */
export function httpdApp(id: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { id, cmd: 'exec busybox httpd -f -p 127.0.0.1:$PORT0 -h .', cpus: 0.1, mem: 32, instances: 1, ...extra };
}

/**
 * A block of host ports no other test uses at the same time. Apps tests run real
 * servers on their ports, and the default agent range (31000-31100) is shared by every
 * suite: a server of another suite running in parallel would hold the port, the httpd
 * exits, and the instance is replaced behind the test's back. Each vitest worker
 * (VITEST_POOL_ID) gets its own 1,000 ports in 20000-27999, below the kernel's
 * ephemeral range, and each agent the next 50 of them.
 */
let portBlock = 0;
export function privatePorts(count = 50): string {
  const pool = Math.max(1, Number(process.env.VITEST_POOL_ID ?? 1)) - 1;
  const perPool = 1000;
  const begin = 20_000 + (pool % 8) * perPool + ((portBlock++ * count) % perPool);
  return `[${begin}-${begin + count - 1}]`;
}

/** An agent whose port range no test in another worker uses (see `privatePorts`). */
export function startAppsAgent(master: Master, setup: AgentSetup & { cpus?: number; mem?: number } = {}): Promise<Agent> {
  const { cpus = 4, mem = 4096, ...rest } = setup;
  return startAgent(master, { containerizers: ['process'], resources: `cpus:${cpus};mem:${mem};disk:4096;ports:${privatePorts()}`, ...rest });
}

/**
 * Runs `body` against an apps framework on a FileStore in `storeDir`, then stops the
 * framework and closes the store (so the next run, or a FileStore, may open the dir).
 */
export async function withApps(master: Master, storeDir: string, body: (url: string) => Promise<void>): Promise<void> {
  const store = new FileStore({ dir: storeDir });
  const apps = new AppsFramework({ master: master.address, store, port: 0, host: '127.0.0.1', tickMs: 100, reconnect: { initialMs: 100, maxMs: 500 } });
  try {
    await apps.start();
    await body(apps.url);
  } finally {
    await apps.stop();
    await store.close();
  }
}
