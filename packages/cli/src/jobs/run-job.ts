import { readFile } from 'node:fs/promises';
import { JobsClient } from '@tandem/jobs';
import { type HttpClientTls, ValidationError } from '@tandem/protocol';
import type { CliIo } from '../cli-io.js';
import { formatProgress, type RunProgress } from './format-run.js';

export interface RunJobOptions {
  file: string;
  url: string;
  /** The Authorization header (`--http-credentials`). */
  authorization?: string;
  /** HTTPS to the API (`--tls-ca`). */
  tls?: HttpClientTls;
  wait: boolean;
  pollMs: number;
  /** Draw progress in place (a terminal) rather than a line per change. */
  tty: boolean;
}

/**
 * `tandem jobs run job.json [--wait]`: creates or replaces the job, starts a run and,
 * with --wait, shows it live until it ends. Resolves with the exit code: 0 on SUCCESS,
 * 1 on FAILED (or when interrupted).
 */
export async function runJob(o: RunJobOptions, io: CliIo, interrupted: Promise<unknown>): Promise<number> {
  let job: { id: string } & Record<string, unknown>;
  try {
    job = JSON.parse(await readFile(o.file, 'utf8')) as typeof job;
  } catch (err) {
    throw new ValidationError(o.file, `cannot read a job spec: ${(err as Error).message}`);
  }
  if (typeof job?.id !== 'string') throw new ValidationError(`${o.file}: /id`, 'the job spec needs an id');
  const client = new JobsClient({ url: o.url, ...(o.authorization ? { authorization: o.authorization } : {}), ...(o.tls ? { tls: o.tls } : {}) });
  await client.upsertJob(job);
  const run = await client.request<RunProgress>('POST', `/v1/jobs/${encodeURIComponent(job.id)}/runs?embed=tandem`);
  if (!o.wait) {
    io.stdout(`${JSON.stringify(run, null, 2)}\n`);
    return 0;
  }
  let stop = false;
  void interrupted.then(() => {
    stop = true;
  });
  let last = '';
  for (;;) {
    const current = await client.request<RunProgress>('GET', `/v1/jobs/${encodeURIComponent(job.id)}/runs/${encodeURIComponent(run.id)}?embed=tandem`);
    const line = formatProgress(current);
    if (line !== last) {
      io.stdout(o.tty ? `\r\x1b[2K${line}` : `${line}\n`);
      last = line;
    }
    if (current.status === 'SUCCESS' || current.status === 'FAILED') {
      if (o.tty) io.stdout('\n');
      if (current.reason) io.stdout(`reason: ${current.reason}\n`);
      return current.status === 'SUCCESS' ? 0 : 1;
    }
    if (stop) {
      if (o.tty) io.stdout('\n');
      io.stderr(`interrupted; run ${run.id} goes on (tandem jobs stop ${job.id} ${run.id} stops it)\n`);
      return 1;
    }
    await new Promise((r) => setTimeout(r, o.pollMs));
  }
}
