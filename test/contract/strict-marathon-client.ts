import { EventSource } from 'eventsource';

/**
 * A small Marathon client written from Marathon's documented fields only (its REST
 * reference, the RAML types in upstream/marathon, docs/docs/event-bus.md), strict as
 * the popular typed clients are: every object is read field by field and a key the
 * client does not know is an error (`UnknownFieldError`), as a constructor given an
 * unexpected keyword argument fails. It is how a Marathon user's tooling sees Tandem.
 */

export class UnknownFieldError extends Error {
  constructor(
    readonly where: string,
    readonly fields: string[],
  ) {
    super(`${where}: unknown field(s) ${fields.join(', ')}`);
    this.name = 'UnknownFieldError';
  }
}

type Json = Record<string, unknown>;
/** How to read one field: a nested object kind, a list of one, or a plain value. */
type FieldKind = 'value' | { object: Kind } | { list: Kind };
interface Kind {
  name: string;
  fields: Record<string, FieldKind>;
}

const values = (...names: string[]): Record<string, FieldKind> => Object.fromEntries(names.map((n) => [n, 'value' as const]));

const UPGRADE_STRATEGY: Kind = { name: 'UpgradeStrategy', fields: values('minimumHealthCapacity', 'maximumOverCapacity') };
const VERSION_INFO: Kind = { name: 'VersionInfo', fields: values('lastScalingAt', 'lastConfigChangeAt') };
const PORT_DEFINITION: Kind = { name: 'PortDefinition', fields: values('port', 'protocol', 'name', 'labels') };
const HEALTH_CHECK: Kind = {
  name: 'HealthCheck',
  fields: values(
    'command',
    'gracePeriodSeconds',
    'ignoreHttp1xx',
    'intervalSeconds',
    'maxConsecutiveFailures',
    'path',
    'port',
    'portIndex',
    'protocol',
    'ipProtocol',
    'timeoutSeconds',
    'delaySeconds',
  ),
};
const HEALTH_RESULT: Kind = {
  name: 'HealthCheckResult',
  fields: values('alive', 'consecutiveFailures', 'firstSuccess', 'lastFailure', 'lastSuccess', 'lastFailureCause', 'instanceId'),
};
const TASK: Kind = {
  name: 'Task',
  fields: {
    ...values('id', 'appId', 'host', 'ports', 'servicePorts', 'slaveId', 'state', 'stagedAt', 'startedAt', 'version', 'ipAddresses', 'localVolumes'),
    healthCheckResults: { list: HEALTH_RESULT },
  },
};
const TASK_FAILURE: Kind = { name: 'TaskFailure', fields: values('appId', 'host', 'message', 'state', 'taskId', 'timestamp', 'version', 'slaveId') };
const APP: Kind = {
  name: 'App',
  fields: {
    ...values(
      'id',
      'cmd',
      'args',
      'user',
      'env',
      'instances',
      'cpus',
      'mem',
      'disk',
      'gpus',
      'executor',
      'constraints',
      'acceptedResourceRoles',
      'labels',
      'fetch',
      'storeUrls',
      'backoffSeconds',
      'backoffFactor',
      'maxLaunchDelaySeconds',
      'container',
      'readinessChecks',
      'dependencies',
      'killSelection',
      'unreachableStrategy',
      'ipAddress',
      'version',
      'residency',
      'secrets',
      'taskKillGracePeriodSeconds',
      'requirePorts',
      'ports',
      'uris',
      'networks',
      'role',
      // AppInfo: status and embeds.
      'tasksStaged',
      'tasksRunning',
      'tasksHealthy',
      'tasksUnhealthy',
      'deployments',
      'readinessCheckResults',
      'taskStats',
    ),
    upgradeStrategy: { object: UPGRADE_STRATEGY },
    versionInfo: { object: VERSION_INFO },
    portDefinitions: { list: PORT_DEFINITION },
    healthChecks: { list: HEALTH_CHECK },
    tasks: { list: TASK },
    lastTaskFailure: { object: TASK_FAILURE },
  },
};
const DEPLOYMENT_RESULT: Kind = { name: 'DeploymentResult', fields: values('deploymentId', 'version') };
const ACTION: Kind = { name: 'DeploymentAction', fields: values('action', 'app', 'pod', 'readinessCheckResults') };
const STEP: Kind = { name: 'DeploymentStep', fields: { actions: { list: ACTION } } };
const DEPLOYMENT: Kind = {
  name: 'Deployment',
  fields: { ...values('id', 'version', 'affectedApps', 'affectedPods', 'currentStep', 'totalSteps'), steps: { list: STEP }, currentActions: { list: ACTION } },
};
const QUEUE_DELAY: Kind = { name: 'QueueDelay', fields: values('timeLeftSeconds', 'overdue') };
const OFFER: Kind = { name: 'Offer', fields: values('id', 'hostname', 'agentId', 'resources', 'attributes') };
const UNUSED_OFFER: Kind = { name: 'UnusedOffer', fields: { ...values('reason', 'timestamp'), offer: { object: OFFER } } };
const SUMMARY: Kind = {
  name: 'ProcessedOffersSummary',
  fields: values('processedOffersCount', 'unusedOffersCount', 'lastUnusedOfferAt', 'lastUsedOfferAt', 'rejectSummaryLastOffers', 'rejectSummaryLaunchAttempt'),
};
const QUEUE_ITEM: Kind = {
  name: 'QueueItem',
  fields: {
    ...values('count', 'since'),
    delay: { object: QUEUE_DELAY },
    processedOffersSummary: { object: SUMMARY },
    lastUnusedOffers: { list: UNUSED_OFFER },
    app: { object: APP },
  },
};
const GROUP: Kind = { name: 'Group', fields: {} };
Object.assign(GROUP.fields, { ...values('id', 'pods', 'dependencies', 'version', 'enforceRole'), apps: { list: APP }, groups: { list: GROUP } });
const INFO: Kind = {
  name: 'Info',
  fields: {
    ...values('name', 'version', 'buildref', 'elected', 'leader', 'frameworkId', 'event_subscriber'),
    marathon_config: {
      object: {
        name: 'MarathonConfig',
        fields: values(
          'master',
          'failover_timeout',
          'framework_name',
          'ha',
          'checkpoint',
          'local_port_min',
          'local_port_max',
          'executor',
          'hostname',
          'webui_url',
          'mesos_role',
          'task_launch_timeout',
          'task_reservation_timeout',
          'reconciliation_initial_delay',
          'reconciliation_interval',
          'mesos_user',
          'leader_proxy_connection_timeout_ms',
          'leader_proxy_read_timeout_ms',
          'mesos_leader_ui_url',
          'features',
        ),
      },
    },
    zookeeper_config: {
      object: { name: 'ZooKeeperConfig', fields: values('zk', 'zk_timeout', 'zk_connection_timeout', 'zk_session_timeout', 'zk_max_versions') },
    },
    http_config: { object: { name: 'HttpConfig', fields: values('assets_path', 'http_port', 'https_port') } },
  },
};

/** Each event's documented fields (docs/docs/event-bus.md; Marathon 1.10's instance events), beside eventType and timestamp. */
const EVENT_FIELDS: Record<string, string[]> = {
  event_stream_attached: ['remoteAddress'],
  event_stream_detached: ['remoteAddress'],
  api_post_event: ['clientIp', 'uri', 'appDefinition'],
  status_update_event: ['slaveId', 'taskId', 'taskStatus', 'message', 'appId', 'host', 'ipAddresses', 'ports', 'version'],
  instance_changed_event: ['instanceId', 'condition', 'runSpecId', 'agentId', 'host', 'runSpecVersion', 'goal'],
  instance_health_changed_event: ['instanceId', 'runSpecId', 'runSpecVersion', 'healthy'],
  health_status_changed_event: ['appId', 'instanceId', 'version', 'alive'],
  failed_health_check_event: ['appId', 'taskId', 'instanceId', 'healthCheck'],
  unhealthy_instance_kill_event: ['appId', 'taskId', 'instanceId', 'version', 'reason', 'host', 'slaveId'],
  group_change_success: ['groupId', 'version'],
  group_change_failed: ['groupId', 'version', 'reason'],
  deployment_info: ['plan', 'currentStep'],
  deployment_step_success: ['plan', 'currentStep'],
  deployment_step_failure: ['plan', 'currentStep'],
  deployment_success: ['id', 'plan'],
  deployment_failed: ['id', 'plan', 'reason'],
  app_terminated_event: ['appId'],
};

/** Reads `json` as a `kind`, throwing on a field the kind does not document. */
function read<T = Json>(kind: Kind, json: unknown, where = kind.name): T {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new Error(`${where}: expected an object, got ${JSON.stringify(json)}`);
  const unknown = Object.keys(json).filter((k) => !(k in kind.fields));
  if (unknown.length > 0) throw new UnknownFieldError(where, unknown);
  for (const [key, value] of Object.entries(json)) {
    const field = kind.fields[key]!;
    if (field === 'value' || value === null || value === undefined) continue;
    if ('object' in field) read(field.object, value, `${where}.${key}`);
    else if (Array.isArray(value)) {
      value.forEach((v, i) => {
        read(field.list, v, `${where}.${key}[${i}]`);
      });
    } else throw new Error(`${where}.${key}: expected a list`);
  }
  return json as T;
}

export interface MarathonApp {
  id: string;
  instances: number;
  version: string;
  tasksRunning?: number;
  tasksStaged?: number;
  tasks?: MarathonTask[];
  deployments?: { id: string }[];
  env?: Record<string, string>;
  labels?: Record<string, string>;
}
export interface MarathonTask {
  id: string;
  appId: string;
  host: string;
  state: string;
  version?: string;
}
export interface DeploymentResult {
  deploymentId: string;
  version: string;
}
export interface Deployment {
  id: string;
  affectedApps: string[];
}
export interface QueueItem {
  count: number;
  app: MarathonApp;
  delay?: { timeLeftSeconds: number; overdue: boolean };
}
export interface MarathonGroup {
  id: string;
  apps: MarathonApp[];
  groups: MarathonGroup[];
}
export interface MarathonInfo {
  name: string;
  version: string;
  elected: boolean;
  leader?: string;
  frameworkId?: string;
}
export interface MarathonEvent {
  eventType: string;
  timestamp: string;
  [field: string]: unknown;
}

/** A `{"tasks": [...]}` body read as the client reads `/v2/tasks`. */
export function readTaskList(json: unknown): MarathonTask[] {
  return read<{ tasks: MarathonTask[] }>({ name: 'TaskList', fields: { tasks: { list: TASK } } }, json).tasks;
}

export class MarathonHttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
  ) {
    super(`HTTP ${status}: ${JSON.stringify(body)}`);
    this.name = 'MarathonHttpError';
  }
}

const path = (id: string): string => (id.startsWith('/') ? id : `/${id}`);

export class StrictMarathonClient {
  constructor(private readonly base: string) {}

  private async call(method: string, url: string, body?: unknown): Promise<unknown> {
    const res = await fetch(`${this.base}${url}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    const json: unknown = text ? JSON.parse(text) : undefined;
    if (!res.ok) throw new MarathonHttpError(res.status, json);
    return json;
  }

  async info(): Promise<MarathonInfo> {
    return read(INFO, await this.call('GET', '/v2/info'));
  }

  async createApp(app: Json): Promise<MarathonApp> {
    return read(APP, await this.call('POST', '/v2/apps', app));
  }

  async listApps(): Promise<MarathonApp[]> {
    const body = read<{ apps: unknown[] }>({ name: 'AppList', fields: { apps: { list: APP } } }, await this.call('GET', '/v2/apps'));
    return body.apps as MarathonApp[];
  }

  async getApp(id: string): Promise<MarathonApp> {
    const body = read<{ app: MarathonApp }>({ name: 'AppResponse', fields: { app: { object: APP } } }, await this.call('GET', `/v2/apps${path(id)}`));
    return body.app;
  }

  /** As the typed clients scale: a PUT of `instances` alone. */
  async scaleApp(id: string, instances: number, force = false): Promise<DeploymentResult> {
    return read(DEPLOYMENT_RESULT, await this.call('PUT', `/v2/apps${path(id)}?force=${force}`, { instances }));
  }

  async updateApp(id: string, app: Json, force = false): Promise<DeploymentResult> {
    return read(DEPLOYMENT_RESULT, await this.call('PUT', `/v2/apps${path(id)}?force=${force}`, app));
  }

  async restartApp(id: string, force = false): Promise<DeploymentResult> {
    return read(DEPLOYMENT_RESULT, await this.call('POST', `/v2/apps${path(id)}/restart?force=${force}`));
  }

  async listVersions(id: string): Promise<string[]> {
    const body = read<{ versions: string[] }>({ name: 'Versions', fields: values('versions') }, await this.call('GET', `/v2/apps${path(id)}/versions`));
    return body.versions;
  }

  async getVersion(id: string, version: string): Promise<MarathonApp> {
    return read(APP, await this.call('GET', `/v2/apps${path(id)}/versions/${version}`));
  }

  async listTasks(appId?: string): Promise<MarathonTask[]> {
    return readTaskList(await this.call('GET', appId ? `/v2/apps${path(appId)}/tasks` : '/v2/tasks'));
  }

  /** Kills one task; with `scale` the app's instances go down by one (a deployment). */
  async killTask(appId: string, taskId: string, scale: boolean): Promise<DeploymentResult | MarathonTask> {
    const body = await this.call('DELETE', `/v2/apps${path(appId)}/tasks/${encodeURIComponent(taskId)}?scale=${scale}`);
    if (typeof body === 'object' && body !== null && 'deploymentId' in body) return read(DEPLOYMENT_RESULT, body);
    return read<{ task: MarathonTask }>({ name: 'KilledTask', fields: { task: { object: TASK } } }, body).task;
  }

  async deleteApp(id: string, force = false): Promise<DeploymentResult> {
    return read(DEPLOYMENT_RESULT, await this.call('DELETE', `/v2/apps${path(id)}?force=${force}`));
  }

  async listDeployments(): Promise<Deployment[]> {
    const body = await this.call('GET', '/v2/deployments');
    if (!Array.isArray(body)) throw new Error('deployments: expected a list');
    return body.map((d, i) => read<Deployment>(DEPLOYMENT, d, `Deployment[${i}]`));
  }

  async listQueue(): Promise<QueueItem[]> {
    const body = read<{ queue: QueueItem[] }>({ name: 'Queue', fields: { queue: { list: QUEUE_ITEM } } }, await this.call('GET', '/v2/queue'));
    return body.queue;
  }

  async createGroup(group: Json): Promise<DeploymentResult> {
    return read(DEPLOYMENT_RESULT, await this.call('POST', '/v2/groups', group));
  }

  async getGroup(id: string): Promise<MarathonGroup> {
    return read(GROUP, await this.call('GET', `/v2/groups${path(id)}`));
  }

  async deleteGroup(id: string, force = false): Promise<DeploymentResult> {
    return read(DEPLOYMENT_RESULT, await this.call('DELETE', `/v2/groups${path(id)}?force=${force}`));
  }

  /**
   * `/v2/events`: each event read strictly and handed to `onEvent`; a malformed or
   * undocumented one goes to `onError`. Resolves once the stream is open; `close()` ends it.
   */
  async events(onEvent: (e: MarathonEvent) => void, onError: (err: Error) => void): Promise<{ close(): void }> {
    const es = new EventSource(`${this.base}/v2/events`);
    const handle = (type: string, data: string): void => {
      try {
        const fields = EVENT_FIELDS[type];
        if (!fields) throw new UnknownFieldError('event', [type]);
        const event = read<MarathonEvent>({ name: type, fields: values('eventType', 'timestamp', ...fields) }, JSON.parse(data));
        if (event.eventType !== type) throw new Error(`${type}: eventType is ${event.eventType}`);
        onEvent(event);
      } catch (err) {
        onError(err as Error);
      }
    };
    for (const type of Object.keys(EVENT_FIELDS)) es.addEventListener(type, (m) => handle(type, m.data));
    es.onmessage = (m) => handle(m.type, m.data); // an event with no known name
    await new Promise<void>((resolve, reject) => {
      es.onopen = () => resolve();
      es.onerror = (e) => reject(new Error(`the event stream failed: ${e.message ?? 'closed'}`));
    });
    return { close: () => es.close() };
  }
}
