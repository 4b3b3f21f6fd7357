import { join } from 'node:path';
import { AppsFramework, type AppsFrameworkOptions } from '@tandem/apps';
import type { Master } from '@tandem/master';
import { FileStore } from '@tandem/store';
import { tempDir, track, waitFor } from './cluster.js';

/** An apps framework on a FileStore in `workDir` (a fresh temp dir unless given), API on a free port. */
export async function startApps(master: Master, options: Partial<AppsFrameworkOptions> & { workDir?: string } = {}): Promise<AppsFramework> {
  const { workDir, ...rest } = options;
  const store = new FileStore({ dir: join(workDir ?? tempDir('tandem-apps-'), 'store') });
  const fw = new AppsFramework({
    master: master.address, store, port: 0, host: '127.0.0.1', tickMs: 100, minReviveIntervalMs: 100,
    reconnect: { initialMs: 100, maxMs: 500 }, waitingDeclineSeconds: 1, ...rest,
  });
  await fw.start();
  track(async () => {
    await fw.stop();
    await store.close();
  });
  return fw;
}

export interface ApiReply<T = any> {
  status: number;
  body: T;
  headers: Headers;
}

/** One request to the apps API; JSON in and out. `raw` sends the body text unchanged. */
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
