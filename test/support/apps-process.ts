import type { ChildProcess } from 'node:child_process';
import { api } from './apps.js';
import { sigkillChild, spawnTandem, waitFor } from './cluster.js';

export interface AppsProcess {
  child: ChildProcess;
  url: string;
  output(): string;
}

/** `tandem apps serve` as a child process (for tests that SIGKILL it); resolves once its API answers and it has subscribed. */
export async function spawnApps(master: string, workDir: string): Promise<AppsProcess> {
  const { child, output } = spawnTandem(['apps', 'serve', '--master', master, '--host', '127.0.0.1', '--port', '0', '--work-dir', workDir], 'info');
  const port = await waitFor(() => /tandem apps: API http:\/\/127\.0\.0\.1:(\d+)/.exec(output())?.[1], `the apps API to listen\n${output()}`, 30_000);
  const url = `http://127.0.0.1:${port}`;
  await waitFor(async () => (await api(url, 'GET', '/v2/info')).body.frameworkId, 'the apps framework to subscribe', 30_000);
  return { child, url, output };
}

export function sigkillApps(p: AppsProcess): Promise<void> {
  return sigkillChild(p.child);
}
