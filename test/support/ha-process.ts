import type { ChildProcess } from 'node:child_process';
import { sigkillChild, spawnTandem, tempDir, waitFor } from './cluster.js';

/** `tandem apps serve` or `tandem jobs serve` on a NATS store, as a child process (for tests that SIGKILL it). */
export interface HaProcess {
  child: ChildProcess;
  /** Its REST API. */
  url: string;
  /** `host:port`, as `/v2/leader` names it. */
  hostPort: string;
  output(): string;
}

/** Starts one process of an HA pair on `store` (`nats://...`); resolves once its API listens (it may still be a standby). */
export async function spawnHa(kind: 'apps' | 'jobs', master: string, store: string, leaseTtlSeconds: number): Promise<HaProcess> {
  const { child, output } = spawnTandem(
    [
      kind,
      'serve',
      '--master',
      master,
      '--host',
      '127.0.0.1',
      '--port',
      '0',
      '--store',
      store,
      '--lease-ttl',
      String(leaseTtlSeconds),
      // Unused with a NATS store; a fresh one so that nothing falls back on a shared default dir.
      '--work-dir',
      tempDir(`tandem-${kind}-ha-`),
    ],
    'info',
  );
  const pattern = new RegExp(`tandem ${kind}: API http://127\\.0\\.0\\.1:(\\d+)`);
  const port = await waitFor(() => pattern.exec(output())?.[1], `the ${kind} API to listen\n${output()}`, 30_000);
  return { child, url: `http://127.0.0.1:${port}`, hostPort: `127.0.0.1:${port}`, output };
}

export function sigkillHa(p: HaProcess): Promise<void> {
  return sigkillChild(p.child);
}

/** What `GET <leaderPath>` on `p` names as the leader (undefined: 404, or no answer). */
export async function leaderNamedBy(p: HaProcess, leaderPath: string): Promise<string | undefined> {
  try {
    const res = await fetch(`${p.url}${leaderPath}`);
    if (res.status !== 200) return undefined;
    return ((await res.json()) as { leader?: string }).leader;
  } catch {
    return undefined;
  }
}

/** Polls `path` on `p` every `everyMs` until stopped; the spans during which it did not answer 200. */
export function pollAnswers(p: HaProcess, path: string, everyMs = 100): { stop(): Promise<{ failures: { from: number; to: number }[]; calls: number }> } {
  const failures: { from: number; to: number }[] = [];
  let calls = 0;
  let open: number | undefined;
  let running = true;
  const loop = (async () => {
    while (running) {
      const at = Date.now();
      const ok = await fetch(`${p.url}${path}`, { signal: AbortSignal.timeout(5_000) }).then(
        async (r) => {
          await r.arrayBuffer();
          return r.status === 200;
        },
        () => false,
      );
      calls += 1;
      if (!ok && open === undefined) open = at;
      if (ok && open !== undefined) {
        failures.push({ from: open, to: at });
        open = undefined;
      }
      await new Promise((r) => setTimeout(r, everyMs));
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
      if (open !== undefined) failures.push({ from: open, to: Date.now() });
      return { failures, calls };
    },
  };
}
