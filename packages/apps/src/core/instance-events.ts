import type { Instance } from './instance.js';

/** The fields of an `instance_changed_event` for an instance entering `condition`. */
export function instanceEventFields(i: Instance, condition: string): Record<string, unknown> {
  return {
    instanceId: i.instanceId,
    condition,
    runSpecId: i.appId,
    agentId: i.agentId ?? '',
    host: i.hostname ?? '',
    runSpecVersion: i.appVersion,
    goal: i.goal,
  };
}
