import { matchTasks, type Offer, Resources } from '@tandem/framework-sdk';
import type { TaskInfoInit } from '@tandem/protocol';
import { offerMatches } from './constraints.js';
import { taskIdOf } from './ids.js';
import type { JobRun } from './job-run.js';
import type { JobsContext } from './jobs-context.js';
import { iso } from './map-of.js';
import type { RunBookkeeping } from './run-bookkeeping.js';
import { pendingLaunches, refreshRunStatus } from './run-planner.js';
import { runTaskSpec } from './run-task-spec.js';

/**
 * Matches the launches runs wait for against offers (oldest run first, each within its
 * constraints), writes the launches down before the ACCEPT, declines the rest, and
 * keeps the framework's interest in offers: suppressed when nothing waits, revived when
 * new work appears.
 */
export class OfferHandling {
  private workAppeared = false;
  private suppressed = false;

  constructor(
    private readonly ctx: JobsContext,
    private readonly book: RunBookkeeping,
  ) {}

  /** New work may wait for offers: revive after the current change. */
  noteWork(): void {
    this.workAppeared = true;
  }

  /** A new subscription: the master's suppression is gone with the old one. */
  subscribed(): void {
    this.suppressed = false;
  }

  async handle(offers: Offer[]): Promise<void> {
    const { driver, repo, retries, clock, log, metrics, launching } = this.ctx;
    if (!driver || this.ctx.state !== 'running') return;
    const now = clock.now();
    const pool = new Map(offers.map((o) => [o.id, o]));
    const perOffer = new Map<string, TaskInfoInit[]>();
    const touched: JobRun[] = [];
    for (const run of repo.activeRunsByAge()) {
      const pending = pendingLaunches(run, now, retries.of(run.jobId, run.id));
      if (pending.length === 0) continue;
      const eligible = [...pool.values()].filter((o) => offerMatches(o, run.spec.placement?.constraints));
      if (eligible.length === 0) continue;
      const byId = new Map(pending.map((p) => [taskIdOf(run.jobId, run.id, p.index, p.attempt), p]));
      const { matches } = matchTasks(
        eligible,
        pending.map((p) => runTaskSpec(run, p.index, p.attempt)),
      );
      for (const m of matches) {
        const used = m.tasks.reduce((sum, t) => sum.add(Resources.fromWire(t.resources)), Resources.EMPTY);
        pool.set(m.offer.id, { ...m.offer, resources: Resources.fromWire(m.offer.resources).subtract(used).toWire() as Offer['resources'] });
        perOffer.set(m.offer.id, [...(perOffer.get(m.offer.id) ?? []), ...m.tasks]);
        for (const info of m.tasks) {
          const p = byId.get(info.taskId ?? '');
          if (!p) continue;
          run.tasks.push({ id: info.taskId ?? '', index: p.index, attempt: p.attempt, status: 'TASK_STAGING', agentId: m.offer.agentId, launchedAt: iso(now) });
          repo.indexTask(info.taskId ?? '', run);
          retries.launched(run.jobId, run.id, p.index);
        }
      }
      if (matches.length > 0) {
        refreshRunStatus(run);
        touched.push(run);
      }
    }
    // The intent first: a crash from here on finds the tasks and reconciles them, never relaunches them.
    for (const run of touched) await repo.persist(run);
    for (const run of touched) this.book.publishRun(run);
    for (const [offerId, tasks] of perOffer) {
      const ids = tasks.map((t) => t.taskId ?? '');
      for (const id of ids) launching.add(id);
      try {
        await driver.launch(offerId, tasks, { refuseSeconds: 1 });
        metrics.tasksLaunched.inc(tasks.length);
        log.debug({ offerId, tasks: ids }, 'launched');
      } catch (err) {
        log.warn({ err, offerId, tasks: ids }, 'launch failed; reconciling the tasks');
        for (const id of ids) launching.delete(id);
        await driver.reconcile(ids.map((taskId) => ({ taskId }))).catch(() => undefined);
      } finally {
        for (const id of ids) launching.delete(id);
      }
    }
    const unused = offers.filter((o) => !perOffer.has(o.id)).map((o) => o.id);
    if (unused.length > 0) await driver.decline(unused, this.ctx.options.declineSeconds).catch((err: unknown) => log.debug({ err }, 'decline failed'));
    if (!this.book.anyPending(now) && !this.suppressed) {
      this.suppressed = true;
      await driver.suppress().catch((err: unknown) => log.debug({ err }, 'suppress failed'));
    }
  }

  /** After each state change: revive when new work waits (declined offers carry long filters). */
  async flushInterest(): Promise<void> {
    const driver = this.ctx.driver;
    if (!this.workAppeared || driver?.state !== 'subscribed') return;
    this.workAppeared = false;
    if (!this.book.anyPending(this.ctx.clock.now())) return;
    this.suppressed = false;
    await driver.revive().catch((err: unknown) => this.ctx.log.debug({ err }, 'revive failed'));
  }
}
