import { describe, expect, it } from 'vitest';
import { runSpecSchema } from '../spec/job-spec.js';
import type { JobRun } from './job-run.js';
import { applyTaskUpdate, pendingLaunches, stopRun } from './run-planner.js';

const T0 = Date.parse('2024-01-01T00:00:00Z');

function run(spec: Record<string, unknown> = {}): JobRun {
  return {
    id: 'r1',
    jobId: 'j',
    status: 'INITIAL',
    createdAt: new Date(T0).toISOString(),
    trigger: { type: 'manual' },
    spec: runSpecSchema.parse({ cmd: 'true', ...spec }),
    tasks: [],
    succeeded: [],
  };
}

function launch(r: JobRun, now = T0): string[] {
  const ids: string[] = [];
  for (const p of pendingLaunches(r, now)) {
    const id = `j_r1_${p.index}_${p.attempt}`;
    r.tasks.push({ id, index: p.index, attempt: p.attempt, status: 'TASK_STAGING', agentId: 'a', launchedAt: '' });
    ids.push(id);
  }
  return ids;
}

describe('run planner', () => {
  it('run planner - one task, exit 0: SUCCESS', () => {
    const r = run();
    const [id] = launch(r);
    expect(applyTaskUpdate(r, { taskId: id!, state: 'TASK_RUNNING' }, T0).changed).toBe(true);
    expect(r.status).toBe('ACTIVE');
    // STARTING sent again behind RUNNING (the agent pipelines updates): not applied.
    expect(applyTaskUpdate(r, { taskId: id!, state: 'TASK_STARTING' }, T0).changed).toBe(false);
    expect(r.tasks[0]?.status).toBe('TASK_RUNNING');
    const e = applyTaskUpdate(r, { taskId: id!, state: 'TASK_FINISHED', exitCode: 0 }, T0 + 1000);
    expect(e.finished).toBe('SUCCESS');
    expect(r.status).toBe('SUCCESS');
    // A resent update changes nothing.
    expect(applyTaskUpdate(r, { taskId: id!, state: 'TASK_FINISHED' }, T0 + 2000).changed).toBe(false);
  });

  it('run planner - NEVER: a failure fails the run', () => {
    const r = run();
    const [id] = launch(r);
    const e = applyTaskUpdate(r, { taskId: id!, state: 'TASK_FAILED', exitCode: 1 }, T0);
    expect(e.finished).toBe('FAILED');
    expect(r.reason).toMatch(/exit 1.*NEVER/);
  });

  it('run planner - ON_FAILURE retries with a new attempt until the deadline', () => {
    const r = run({ restart: { policy: 'ON_FAILURE', activeDeadlineSeconds: 10 } });
    const [a1] = launch(r);
    expect(applyTaskUpdate(r, { taskId: a1!, state: 'TASK_FAILED', exitCode: 1 }, T0 + 1000).retryIndex).toBe(0);
    expect(pendingLaunches(r, T0 + 1000)).toEqual([{ index: 0, attempt: 2 }]);
    expect(pendingLaunches(r, T0 + 1000, new Map([[0, T0 + 2000]]))).toEqual([]);
    const [a2] = launch(r, T0 + 2000);
    expect(a2).toBe('j_r1_0_2');
    const e = applyTaskUpdate(r, { taskId: a2!, state: 'TASK_FAILED', exitCode: 1 }, T0 + 11_000);
    expect(e.retryIndex).toBeUndefined();
    expect(e.finished).toBe('FAILED');
    expect(r.tasks.map((t) => t.attempt)).toEqual([1, 2]);
  });

  it('run planner - parallelism bounds live tasks; completions end the run', () => {
    const r = run({ parallelism: 4, completions: 10 });
    let maxLive = 0;
    for (let step = 0; step < 100 && r.status !== 'SUCCESS'; step++) {
      const ids = launch(r);
      const live = r.tasks.filter((t) => t.status === 'TASK_STAGING' || t.status === 'TASK_RUNNING').length;
      maxLive = Math.max(maxLive, live);
      const first = r.tasks.find((t) => t.status === 'TASK_STAGING');
      if (first) applyTaskUpdate(r, { taskId: first.id, state: 'TASK_FINISHED' }, T0);
      void ids;
    }
    expect(maxLive).toBe(4);
    expect(r.status).toBe('SUCCESS');
    expect(r.succeeded.sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(r.tasks).toHaveLength(10);
  });

  it('run planner - a launch the master never saw is relaunched under the next attempt', () => {
    const r = run();
    const [a1] = launch(r);
    const e = applyTaskUpdate(r, { taskId: a1!, state: 'TASK_UNKNOWN' }, T0);
    expect(e.relaunch).toBe(true);
    expect(pendingLaunches(r, T0)).toEqual([{ index: 0, attempt: 2 }]);
    // A task seen running is not given up on when the master does not know it.
    const [a2] = launch(r);
    applyTaskUpdate(r, { taskId: a2!, state: 'TASK_RUNNING' }, T0);
    expect(applyTaskUpdate(r, { taskId: a2!, state: 'TASK_UNKNOWN' }, T0).changed).toBe(false);
  });

  it('run planner - stop kills live tasks and ends FAILED once they are gone', () => {
    const r = run({ parallelism: 2, completions: 2 });
    const ids = launch(r);
    const e = stopRun(r, 'stopped', T0);
    expect(e.kill.map((t) => t.id)).toEqual(ids);
    expect(pendingLaunches(r, T0)).toEqual([]);
    applyTaskUpdate(r, { taskId: ids[0]!, state: 'TASK_KILLED' }, T0);
    expect(r.status).not.toBe('FAILED');
    expect(applyTaskUpdate(r, { taskId: ids[1]!, state: 'TASK_KILLED' }, T0).finished).toBe('FAILED');
  });
});
