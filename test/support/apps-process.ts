import { type ChildProcess, spawn } from 'node:child_process';
import { api } from './apps.js';
import { CLI, track, waitFor } from './cluster.js';

export interface AppsProcess {
  child: ChildProcess;
  url: string;
  output(): string;
}

/** `tandem apps serve` as a child process (for tests that SIGKILL it); resolves once its API answers and it has subscribed. */
export async function spawnApps(master: string, workDir: string): Promise<AppsProcess> {
  const child = spawn(process.execPath, [CLI, 'apps', 'serve', '--master', master, '--host', '127.0.0.1', '--port', '0', '--work-dir', workDir], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, TANDEM_LOG_LEVEL: process.env.TANDEM_LOG_LEVEL ?? 'info' },
  });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => {
    out += d.toString();
  });
  child.stderr?.on('data', (d: Buffer) => {
    out += d.toString();
  });
  track(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  const port = await waitFor(() => /tandem apps: API http:\/\/127\.0\.0\.1:(\d+)/.exec(out)?.[1], `the apps API to listen\n${out}`, 30_000);
  const url = `http://127.0.0.1:${port}`;
  await waitFor(async () => (await api(url, 'GET', '/v2/info')).body.frameworkId, 'the apps framework to subscribe', 30_000);
  return { child, url, output: () => out };
}

export async function sigkillApps(p: AppsProcess): Promise<void> {
  const exited = new Promise((r) => p.child.once('exit', r));
  p.child.kill('SIGKILL');
  await exited;
}
