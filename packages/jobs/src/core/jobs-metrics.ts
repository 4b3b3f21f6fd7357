import { Counter, Gauge, Registry } from 'prom-client';

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
}
