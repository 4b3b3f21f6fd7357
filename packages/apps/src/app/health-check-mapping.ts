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

/** Marathon's maxConsecutiveFailures 0 means "never act on failures"; the proto's 0 means 3, so it becomes the largest count. */
const NEVER = 0xffff_ffff;

/**
 * The agent-side checks for an app: every HTTP, TCP or COMMAND health check, in order
 * (Marathon's framework-side HTTP/TCP checks run on the agent too, next to the task).
 * The instance is healthy while all of them pass. They are `reportOnly`: the agent
 * reports a check's maxConsecutiveFailures instead of killing, and the framework starts
 * a replacement before it kills the instance (core/unhealthy-replacement.ts).
 */
export function agentHealthChecks(app: AppDefinition): HealthCheckInit[] {
  return app.healthChecks.flatMap((hc) => {
    const type = TYPE_OF[hc.protocol];
    if (!type) return [];
    return [
      {
        type,
        delaySeconds: hc.delaySeconds,
        intervalSeconds: hc.intervalSeconds,
        timeoutSeconds: hc.timeoutSeconds,
        consecutiveFailures: hc.maxConsecutiveFailures > 0 ? hc.maxConsecutiveFailures : NEVER,
        gracePeriodSeconds: hc.gracePeriodSeconds,
        reportOnly: true,
        portIndex: hc.portIndex ?? 0,
        path: type === 'HTTP' ? hc.path : '',
        ...(type === 'COMMAND' && hc.command ? { command: { shell: true, value: hc.command.value, arguments: [], environment: [], user: '' } } : {}),
      },
    ];
  });
}

/** True when instances of the app must report healthy before they count. */
export function hasHealthChecks(app: AppDefinition): boolean {
  return agentHealthChecks(app).length > 0;
}
