import type { StoreWriteOp } from '@tandem/store';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

/** The framework's Prometheus metrics, on a registry of its own (several frameworks may share a process). */
export class JobsMetrics {
  readonly registry = new Registry();
  readonly runsStarted = new Counter({ name: 'tandem_jobs_runs_started_total', help: 'Runs created', labelNames: ['trigger'], registers: [this.registry] });
  readonly runsFinished = new Counter({ name: 'tandem_jobs_runs_finished_total', help: 'Runs finished', labelNames: ['status'], registers: [this.registry] });
  readonly tasksLaunched = new Counter({ name: 'tandem_jobs_tasks_launched_total', help: 'Tasks launched', registers: [this.registry] });
  readonly tasksFinished = new Counter({
    name: 'tandem_jobs_tasks_finished_total',
    help: 'Tasks that reached a terminal state',
    labelNames: ['state'],
    registers: [this.registry],
  });
  readonly schedulesSkipped = new Counter({
    name: 'tandem_jobs_schedule_skipped_total',
    help: 'Scheduled instants skipped',
    labelNames: ['reason'],
    registers: [this.registry],
  });
  readonly jobs = new Gauge({ name: 'tandem_jobs_jobs', help: 'Jobs defined', registers: [this.registry] });
  readonly activeRuns = new Gauge({ name: 'tandem_jobs_active_runs', help: 'Runs not finished', registers: [this.registry] });
  readonly queuedRuns = new Gauge({ name: 'tandem_jobs_queued_runs', help: 'Runs waiting for offers', registers: [this.registry] });
  readonly storeWrites = new Histogram({
    name: 'tandem_jobs_store_write_seconds',
    help: 'Writes to the jobs store (file or NATS), by operation (put, delete) and result (ok, error)',
    labelNames: ['op', 'result'],
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    registers: [this.registry],
  });

  /** With `processMetrics` (the default), the process's own (CPU, memory, event loop, GC) as `tandem_jobs_process_*` and `tandem_jobs_nodejs_*`. */
  constructor(options: { processMetrics?: boolean } = {}) {
    if (options.processMetrics !== false) collectDefaultMetrics({ register: this.registry, prefix: 'tandem_jobs_' });
  }

  observeStoreWrite(op: StoreWriteOp, seconds: number, ok: boolean): void {
    this.storeWrites.observe({ op, result: ok ? 'ok' : 'error' }, seconds);
  }
}
