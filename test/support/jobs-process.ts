import type { ChildProcess } from 'node:child_process';
import { sigkillChild, spawnTandem, waitFor } from './cluster.js';

export interface JobsProcess {
  child: ChildProcess;
  url: string;
  output(): string;
}

/** `tandem jobs serve` as a child process (for tests that SIGKILL it); resolves once its API answers. */
export async function spawnJobs(master: string, workDir: string, clockOffsetMs = 0): Promise<JobsProcess> {
  const { child, output } = spawnTandem(
    ['jobs', 'serve', '--master', master, '--host', '127.0.0.1', '--port', '0', '--work-dir', workDir, '--clock-offset-ms', String(clockOffsetMs)],
    'info',
  );
  const port = await waitFor(() => /"port":(\d+),"msg":"jobs API listening"/.exec(output())?.[1], `the jobs API to listen\n${output()}`, 30_000);
  await waitFor(() => /jobs framework subscribed/.test(output()), 'the jobs framework to subscribe', 30_000);
  return { child, url: `http://127.0.0.1:${port}`, output };
}

export function sigkill(p: JobsProcess): Promise<void> {
  return sigkillChild(p.child);
}
