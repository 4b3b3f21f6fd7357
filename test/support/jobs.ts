import { join } from 'node:path';
import { type Clock, JobsFramework, type JobsFrameworkOptions } from '@tandem/jobs';
import type { Master } from '@tandem/master';
import { FileStore } from '@tandem/store';
import { tempDir, track, waitFor } from './cluster.js';

/** A JobsFramework in this process on a FileStore in `dir`, REST API on a free port. */
export async function startJobs(
  master: Master,
  setup: { dir?: string; clock?: Clock } & Partial<JobsFrameworkOptions> = {},
): Promise<{ jobs: JobsFramework; store: FileStore; dir: string; api: Api }> {
  const dir = setup.dir ?? join(tempDir('tandem-jobs-'), 'jobs');
  const store = new FileStore({ dir });
  const jobs = new JobsFramework({
    master: master.address,
    store,
    port: 0,
    host: '127.0.0.1',
    retryDelayMs: 100,
    reconnect: { initialMs: 100, maxMs: 500 },
    ...setup,
  });
  track(() => store.close());
  track(() => jobs.stop());
  await jobs.start();
  return { jobs, store, dir, api: api(jobs.url) };
}

// Replies are whatever JSON the API sent; tests read fields straight off them.
// biome-ignore lint/suspicious/noExplicitAny: see above
type Json = any;

export type Api = (method: string, path: string, body?: unknown, raw?: string) => Promise<{ status: number; body: Json }>;

/** A tiny fetch wrapper: JSON in, `{status, body}` out (`raw` sends a literal body). */
export function api(base: string): Api {
  return async (method, path, body, raw) => {
    const res = await fetch(`${base}${path}`, {
      method,
      ...(body !== undefined || raw !== undefined ? { headers: { 'content-type': 'application/json' }, body: raw ?? JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // not JSON
    }
    return { status: res.status, body: parsed };
  };
}

/** Polls a run until it is SUCCESS or FAILED. */
export async function waitRunDone(call: Api, jobId: string, runId: string, timeoutMs = 30_000): Promise<Json> {
  return waitFor(
    async () => {
      const r = await call('GET', `/v1/jobs/${jobId}/runs/${runId}?embed=tandem`);
      return r.body.status === 'SUCCESS' || r.body.status === 'FAILED' ? r.body : undefined;
    },
    `run ${jobId}/${runId} to finish`,
    timeoutMs,
    100,
  );
}

/** Runs `body` against a jobs framework on a FileStore in `storeDir`, then stops it and closes the store. */
export async function withJobs(master: Master, storeDir: string, body: (url: string) => Promise<void>): Promise<void> {
  const store = new FileStore({ dir: storeDir });
  const jobs = new JobsFramework({ master: master.address, store, port: 0, host: '127.0.0.1', reconnect: { initialMs: 100, maxMs: 500 } });
  try {
    await jobs.start();
    await body(jobs.url);
  } finally {
    await jobs.stop();
    await store.close();
  }
}
