import { type ChildProcess, spawn } from 'node:child_process';
import { CLI, track, waitFor } from './cluster.js';

export interface JobsProcess {
  child: ChildProcess;
  url: string;
  output(): string;
}

/** `tandem jobs serve` as a child process (for tests that SIGKILL it); resolves once its API answers. */
export async function spawnJobs(master: string, workDir: string, clockOffsetMs = 0): Promise<JobsProcess> {
  const child = spawn(
    process.execPath,
    [CLI, 'jobs', 'serve', '--master', master, '--host', '127.0.0.1', '--port', '0', '--work-dir', workDir, '--clock-offset-ms', String(clockOffsetMs)],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, TANDEM_LOG_LEVEL: process.env.TANDEM_LOG_LEVEL ?? 'info' } },
  );
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
  const port = await waitFor(() => /"port":(\d+),"msg":"jobs API listening"/.exec(out)?.[1], `the jobs API to listen\n${out}`, 30_000);
  await waitFor(() => /jobs framework subscribed/.test(out), 'the jobs framework to subscribe', 30_000);
  return { child, url: `http://127.0.0.1:${port}`, output: () => out };
}

export async function sigkill(p: JobsProcess): Promise<void> {
  const exited = new Promise((r) => p.child.once('exit', r));
  p.child.kill('SIGKILL');
  await exited;
}
