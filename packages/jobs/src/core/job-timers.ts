import { scheduledRunId } from './ids.js';
import type { JobsContext } from './jobs-context.js';
import { iso } from './map-of.js';
import type { RunBookkeeping } from './run-bookkeeping.js';
import { stopRun } from './run-planner.js';
import { planSchedule } from './schedule-planner.js';

/** Timer re-evaluation bound: even with nothing due, the schedules are looked at this often. */
const MAX_TICK_MS = 60_000;

/**
 * The framework's one timer and its tick: scheduled instants (run or skipped, each
 * written before the next), retries that came due, and runs that launched nothing
 * within their maxLaunchDelay.
 */
export class JobTimers {
  private timer: { clear(): void } | undefined;

  constructor(
    private readonly ctx: JobsContext,
    private readonly book: RunBookkeeping,
  ) {}

  /** Schedules, retries that came due, launch delays. Re-arms the timer. */
  async tick(): Promise<void> {
    const { state, clock, repo, metrics, log, events } = this.ctx;
    if (state !== 'running' && state !== 'starting') return;
    const now = clock.now();
    for (const [jobId, schedules] of repo.schedules) {
      for (const schedule of schedules.values()) {
        const decision = planSchedule(schedule.spec, Date.parse(schedule.lastInstant), now, repo.activeRunsOf(jobId).length > 0);
        if (decision.kind === 'wait') continue;
        const instant = iso(decision.instantMs);
        if (decision.kind === 'run') {
          await this.book.createRun(jobId, { type: 'schedule', scheduleId: schedule.spec.id, instant }, scheduledRunId(schedule.spec.id, decision.instantMs));
        } else {
          metrics.schedulesSkipped.inc({ reason: decision.reason });
          log.info({ jobId, scheduleId: schedule.spec.id, instant, reason: decision.reason }, 'scheduled instant skipped');
          events.publish({ type: 'schedule_skipped', jobId, scheduleId: schedule.spec.id, instant, reason: decision.reason });
        }
        schedule.lastInstant = instant;
        await repo.putSchedule(jobId, schedule);
      }
    }
    for (const run of repo.activeRunsByAge()) {
      if (run.tasks.length === 0 && !run.stopping && now - Date.parse(run.createdAt) > run.spec.maxLaunchDelay * 1000) {
        await this.book.afterEffects(run, stopRun(run, `no task launched within maxLaunchDelay (${run.spec.maxLaunchDelay} s)`, now));
      }
    }
    if (this.ctx.retries.anyDue(now)) this.ctx.noteWork();
    this.arm();
  }

  /** One timer at the earliest of: the next scheduled instant, a retry, a launch deadline (at most a minute away). */
  arm(): void {
    const { state, clock, repo } = this.ctx;
    if (state !== 'running') return;
    const now = clock.now();
    let at = now + MAX_TICK_MS;
    for (const [jobId, schedules] of repo.schedules) {
      for (const s of schedules.values()) {
        const d = planSchedule(s.spec, Date.parse(s.lastInstant), now, repo.activeRunsOf(jobId).length > 0);
        if (d.kind !== 'wait') at = now;
        else if (d.nextMs !== undefined) at = Math.min(at, d.nextMs);
      }
    }
    at = this.ctx.retries.earliest(at);
    for (const run of repo.activeRunsByAge()) {
      if (run.tasks.length === 0) at = Math.min(at, Date.parse(run.createdAt) + run.spec.maxLaunchDelay * 1000 + 1);
    }
    this.timer?.clear();
    this.timer = clock.setTimer(
      () => {
        this.timer = undefined;
        void this.ctx.serial(() => this.tick());
      },
      Math.max(0, at - now),
    );
  }

  clear(): void {
    this.timer?.clear();
    this.timer = undefined;
  }
}
