import type { ResolvedAppsOptions } from '../options.js';

export const APPS_VERSION = '0.1.0';

/** What `/v2/info` says of the framework's state, beside its configuration. */
export interface InfoState {
  /** Whether this process leads (runs the framework). */
  elected: boolean;
  /** `host:port` of the leader; null while none is known. */
  leader: string | null;
  frameworkId: string | null;
  /** Whether the framework is subscribed to the master. */
  connected: boolean;
  /** The port of this process' REST API. */
  httpPort: number;
}

/** Marathon's `/v2/info`: the leader's (from its running framework) and a standby's (from its options and the store) alike. */
export function infoDocument(options: Omit<ResolvedAppsOptions, 'store'>, state: InfoState): Record<string, unknown> {
  return {
    name: 'tandem-apps',
    version: APPS_VERSION,
    buildref: 'tandem',
    elected: state.elected,
    leader: state.leader,
    frameworkId: state.frameworkId,
    connected: state.connected,
    marathon_config: {
      master: options.master,
      framework_name: options.frameworkName,
      failover_timeout: options.failoverTimeoutSeconds,
      decline_offer_duration: options.declineSeconds * 1000,
      reconciliation_interval: options.reconcileIntervalMs,
      mesos_role: options.roles[0] ?? '*',
      max_instances_per_app: options.maxInstancesPerApp,
      deployment_timeout_seconds: options.deploymentTimeoutSeconds,
    },
    http_config: { http_port: state.httpPort },
    event_subscriber: { type: 'sse' },
    store: { type: 'tandem-store' },
  };
}
