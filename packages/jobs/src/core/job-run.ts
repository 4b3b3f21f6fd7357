import type { TaskState } from '@tandem/protocol';
import type { RunSpec } from '../spec/job-spec.js';
import type { RunStatus } from './run-status.js';

/** What started a run. */
export type RunTrigger =
  | { type: 'manual' }
  | { type: 'schedule'; scheduleId: string; instant: string }
  | { type: 'dependency'; parents: Record<string, string> };

/** One task (one attempt of one index) of a run, as stored. */
export interface RunTask {
  id: string;
  index: number;
  attempt: number;
  /** The last Mesos state seen; TASK_STAGING from the moment the launch was written down. */
  status: TaskState;
  agentId: string;
  launchedAt: string;
  startedAt?: string;
  completedAt?: string;
  exitCode?: number;
  message?: string;
}

/** A run as stored under `runs/<jobId>/<runId>` (Metronome's JobRun plus Tandem's task counts). */
export interface JobRun {
  id: string;
  jobId: string;
  status: RunStatus;
  createdAt: string;
  completedAt?: string;
  trigger: RunTrigger;
  /** The job's run spec when the run was created. */
  spec: RunSpec;
  tasks: RunTask[];
  /** Indexes (0..completions-1) that have exited 0. */
  succeeded: number[];
  /** Set by a stop: no more launches, live tasks are killed, the run ends FAILED. */
  stopping?: boolean;
  /** Why a run failed (deadline, stop, NEVER policy, launch delay). */
  reason?: string;
  /** Written to the job's history already (set after the history write). */
  recorded?: boolean;
}

export const LIVE_TASK_STATES: ReadonlySet<TaskState> = new Set<TaskState>([
  'TASK_STAGING',
  'TASK_STARTING',
  'TASK_RUNNING',
  'TASK_KILLING',
  'TASK_UNREACHABLE',
  'TASK_UNKNOWN',
]);

export function liveTasks(run: JobRun): RunTask[] {
  return run.tasks.filter((t) => LIVE_TASK_STATES.has(t.status));
}

export function runCounts(run: JobRun): { running: number; staging: number; succeeded: number; failed: number; completions: number; parallelism: number } {
  let running = 0;
  let staging = 0;
  let failed = 0;
  for (const t of run.tasks) {
    if (t.status === 'TASK_RUNNING' || t.status === 'TASK_KILLING') running++;
    else if (LIVE_TASK_STATES.has(t.status)) staging++;
    else if (t.status !== 'TASK_FINISHED' && t.status !== 'TASK_DROPPED') failed++;
  }
  return { running, staging, succeeded: run.succeeded.length, failed, completions: run.spec.completions, parallelism: run.spec.parallelism };
}
