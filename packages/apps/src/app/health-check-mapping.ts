import type { HealthCheckInit } from '@tandem/protocol';
import type { AppDefinition } from './app-definition.js';
import type { HealthCheckDefinition } from './app-schema.js';

const TYPE_OF: Record<HealthCheckDefinition['protocol'], 'HTTP' | 'TCP' | 'COMMAND' | undefined> = {
  HTTP: 'HTTP',
  MESOS_HTTP: 'HTTP',
  TCP: 'TCP',
  MESOS_TCP: 'TCP',
  COMMAND: 'COMMAND',
  HTTPS: undefined,
  MESOS_HTTPS: undefined,
};

/**
 * The agent-side check for an app: its first HTTP, TCP or COMMAND health check
 * (Marathon's framework-side HTTP/TCP checks run on the agent too, next to the task).
 * Tandem agents run one check per task, so further checks are kept but not run.
 */
export function agentHealthCheck(app: AppDefinition): HealthCheckInit | undefined {
  const hc = app.healthChecks.find((h) => TYPE_OF[h.protocol] !== undefined);
  if (!hc) return undefined;
  const type = TYPE_OF[hc.protocol]!;
  return {
    type,
    delaySeconds: hc.delaySeconds,
    intervalSeconds: hc.intervalSeconds,
    timeoutSeconds: hc.timeoutSeconds,
    consecutiveFailures: hc.maxConsecutiveFailures,
    gracePeriodSeconds: hc.gracePeriodSeconds,
    portIndex: hc.portIndex ?? 0,
    path: type === 'HTTP' ? hc.path : '',
    ...(type === 'COMMAND' && hc.command ? { command: { shell: true, value: hc.command.value, arguments: [], environment: [], user: '' } } : {}),
  };
}

/** True when instances of the app must report healthy before they count. */
export function hasHealthChecks(app: AppDefinition): boolean {
  return agentHealthCheck(app) !== undefined;
}
