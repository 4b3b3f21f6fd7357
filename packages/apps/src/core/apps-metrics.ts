import type { StoreWriteOp } from '@tandem/store';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

/** The framework's Prometheus metrics, on a registry of its own (several frameworks may share a process). */
export class AppsMetrics {
  readonly registry = new Registry();
  readonly apps = new Gauge({ name: 'tandem_apps_apps', help: 'Apps defined', registers: [this.registry] });
  readonly instances = new Gauge({ name: 'tandem_apps_instances', help: 'Instances by condition', labelNames: ['condition'], registers: [this.registry] });
  readonly launchQueue = new Gauge({ name: 'tandem_apps_launch_queue_instances', help: 'Instances waiting for an offer', registers: [this.registry] });
  readonly deployments = new Gauge({ name: 'tandem_apps_deployments', help: 'Deployments in progress', registers: [this.registry] });
  readonly launched = new Counter({ name: 'tandem_apps_tasks_launched_total', help: 'Tasks launched', registers: [this.registry] });
  readonly killed = new Counter({ name: 'tandem_apps_tasks_kill_requests_total', help: 'Kill requests sent', registers: [this.registry] });
  readonly offers = new Counter({ name: 'tandem_apps_offers_total', help: 'Offers received, by outcome', labelNames: ['outcome'], registers: [this.registry] });
  readonly updates = new Counter({
    name: 'tandem_apps_status_updates_total',
    help: 'Status updates, by state',
    labelNames: ['state'],
    registers: [this.registry],
  });
  readonly deploymentResults = new Counter({
    name: 'tandem_apps_deployment_results_total',
    help: 'Finished deployments, by result',
    labelNames: ['result'],
    registers: [this.registry],
  });
  readonly http = new Counter({
    name: 'tandem_apps_http_requests_total',
    help: 'HTTP requests, by method and status',
    labelNames: ['method', 'status'],
    registers: [this.registry],
  });
  readonly storeWrites = new Histogram({
    name: 'tandem_apps_store_write_seconds',
    help: 'Writes to the apps store (file or NATS), by operation (put, delete) and result (ok, error)',
    labelNames: ['op', 'result'],
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    registers: [this.registry],
  });

  /** With `processMetrics` (the default), the process's own (CPU, memory, event loop, GC) as `tandem_apps_process_*` and `tandem_apps_nodejs_*`. */
  constructor(options: { processMetrics?: boolean } = {}) {
    if (options.processMetrics !== false) collectDefaultMetrics({ register: this.registry, prefix: 'tandem_apps_' });
  }

  observeStoreWrite(op: StoreWriteOp, seconds: number, ok: boolean): void {
    this.storeWrites.observe({ op, result: ok ? 'ok' : 'error' }, seconds);
  }
}
