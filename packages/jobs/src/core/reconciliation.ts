import { liveTasks } from './job-run.js';
import type { JobsContext } from './jobs-context.js';
import type { OfferHandling } from './offer-handling.js';
import type { RunBookkeeping } from './run-bookkeeping.js';
import { isFinished } from './run-status.js';

/** What a (re)subscription does, and the periodic explicit reconciliation of live tasks. */
export class Reconciliation {
  constructor(
    private readonly ctx: JobsContext,
    private readonly book: RunBookkeeping,
    private readonly offers: OfferHandling,
  ) {}

  /** Records the framework id, reconciles (explicitly, then implicitly) and kills what stopped runs still have. */
  async subscribed(): Promise<void> {
    const { driver, repo, log } = this.ctx;
    const id = driver?.frameworkId;
    if (id) await repo.saveFrameworkId(id);
    this.offers.subscribed();
    await this.reconcileLive();
    // Ask the master about every task it has for us too: ones we no longer know are killed.
    await this.ctx.driver?.reconcile([]).catch((err: unknown) => log.warn({ err }, 'implicit reconcile failed'));
    for (const run of repo.allRuns()) if (run.stopping && !isFinished(run.status)) for (const t of liveTasks(run)) this.book.kill(run, t);
    this.ctx.noteWork();
  }

  /** Explicit reconciliation of every live task whose launch is not in flight. */
  async reconcileLive(): Promise<void> {
    const driver = this.ctx.driver;
    if (driver?.state !== 'subscribed') return;
    const targets: { taskId: string; agentId?: string }[] = [];
    for (const run of this.ctx.repo.allRuns()) {
      for (const t of liveTasks(run)) if (!this.ctx.launching.has(t.id)) targets.push({ taskId: t.id, ...(t.agentId ? { agentId: t.agentId } : {}) });
    }
    if (targets.length === 0) return;
    await driver.reconcile(targets).catch((err: unknown) => this.ctx.log.warn({ err }, 'reconcile failed'));
  }
}
