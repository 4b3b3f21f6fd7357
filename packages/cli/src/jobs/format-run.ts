/** The run fields the CLI shows (from GET /v1/jobs/{id}/runs/{runId}). */
export interface RunProgress {
  id: string;
  status: string;
  completions: number;
  parallelism: number;
  succeeded: number;
  running: number;
  staging: number;
  failed: number;
  attempts: number;
  reason?: string;
}

const BAR_WIDTH = 20;

/** `[########............]` for succeeded / completions. */
export function progressBar(done: number, total: number, width = BAR_WIDTH): string {
  const filled = total <= 0 ? width : Math.min(width, Math.round((done / total) * width));
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}]`;
}

/** One line of live progress: status, bar (for runs of more than one task) and task counts. */
export function formatProgress(run: RunProgress): string {
  const bar = run.completions > 1 ? ` ${progressBar(run.succeeded, run.completions)}` : '';
  return `run ${run.id}: ${run.status.padEnd(8)}${bar} ${run.succeeded}/${run.completions} succeeded, ${run.running} running, ${run.staging} starting, ${run.failed} failed (${run.attempts} tasks launched)`;
}
