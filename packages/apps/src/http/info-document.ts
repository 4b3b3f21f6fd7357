import type { ResolvedAppsOptions } from '../options.js';

/** Tandem's own version (the apps framework's). */
export const APPS_VERSION = '0.1.0';

/** The Marathon REST API version the apps API emulates, as `/v2/info` names it. */
export const MARATHON_API_VERSION = '1.10.0';

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
  /** The host name of this process (marathon_config.hostname). @default the leader's host, else `options.host` */
  hostname?: string;
  /** Whether this process is one of an HA group (`tandem apps serve --store nats://...`). @default false */
  ha?: boolean;
  /** `?embed=tandem`: add Tandem's fields. @default false */
  tandem?: boolean;
}

/**
 * Marathon's `/v2/info` (MarathonInfo in Marathon's info.raml): the leader's (from its running
 * framework) and a standby's (from its options and the store) alike. Values are Tandem's
 * own: there is no ZooKeeper (zk is empty, its timeouts 0; zk_max_versions is the number
 * of versions kept per app), events go to SSE clients only (no HTTP callback subscriber:
 * event_subscriber is null), and the API is HTTPS on its port when it has TLS.
 */
export function infoDocument(options: Omit<ResolvedAppsOptions, 'store'>, state: InfoState): Record<string, unknown> {
  const https = options.tls !== undefined && options.tls !== null;
  const host = state.hostname ?? state.leader?.replace(/:\d+$/, '') ?? options.host;
  return {
    name: 'marathon',
    version: MARATHON_API_VERSION,
    buildref: `tandem-${APPS_VERSION}`,
    elected: state.elected,
    leader: state.leader,
    frameworkId: state.frameworkId,
    ...(state.tandem ? { connected: state.connected, store: { type: 'tandem-store' }, tandem: { version: APPS_VERSION } } : {}),
    marathon_config: {
      master: options.master,
      framework_name: options.frameworkName,
      failover_timeout: options.failoverTimeoutSeconds,
      ha: state.ha ?? false,
      local_port_min: options.localPortMin,
      local_port_max: options.localPortMax,
      executor: '//cmd',
      hostname: host,
      mesos_role: options.roles[0] ?? '*',
      reconciliation_interval: options.reconcileIntervalMs,
      features: [],
      ...(state.tandem
        ? {
            decline_offer_duration: options.declineSeconds * 1000,
            max_instances_per_app: options.maxInstancesPerApp,
            deployment_timeout_seconds: options.deploymentTimeoutSeconds,
          }
        : {}),
    },
    zookeeper_config: { zk: '', zk_timeout: 0, zk_connection_timeout: 0, zk_session_timeout: 0, zk_max_versions: options.maxVersions },
    http_config: { http_port: https ? 0 : state.httpPort, https_port: https ? state.httpPort : 0 },
    event_subscriber: null,
  };
}
