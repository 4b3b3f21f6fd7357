import { Counter, Gauge, Registry } from 'prom-client';

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
}
