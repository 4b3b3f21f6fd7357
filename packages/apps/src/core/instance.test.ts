import { checkId } from '@tandem/protocol';
import { describe, expect, it } from 'vitest';
import { canTransitionInstance, conditionOf, INSTANCE_TRANSITIONS, TERMINAL_CONDITIONS } from './instance.js';
import { newInstanceId, parseTaskId, taskIdOf } from './task-ids.js';

describe('instance lifecycle', () => {
  it('instance - follows the table: scheduled, provisioned, running, terminal, rescheduled', () => {
    expect(canTransitionInstance('Scheduled', 'Provisioned')).toBe(true);
    expect(canTransitionInstance('Provisioned', 'Running')).toBe(true);
    expect(canTransitionInstance('Running', 'Failed')).toBe(true);
    expect(canTransitionInstance('Failed', 'Scheduled')).toBe(true);
    expect(canTransitionInstance('Scheduled', 'Running')).toBe(false);
    expect(canTransitionInstance('Failed', 'Running')).toBe(false);
    for (const t of TERMINAL_CONDITIONS) expect(INSTANCE_TRANSITIONS[t]).toEqual(['Scheduled']);
  });

  it('instance - maps task states to conditions', () => {
    expect(conditionOf('TASK_RUNNING')).toBe('Running');
    expect(conditionOf('TASK_UNREACHABLE')).toBe('Unreachable');
    expect(conditionOf('TASK_GONE_BY_OPERATOR')).toBe('Gone');
  });

  it('task ids - are deterministic per instance and incarnation, valid for agents, and parse back', () => {
    const instanceId = newInstanceId();
    const id = taskIdOf('/g.v1/my-app', instanceId, 3);
    expect(id).toBe(taskIdOf('/g.v1/my-app', instanceId, 3));
    expect(() => checkId('task_id', id)).not.toThrow();
    expect(parseTaskId(id)).toEqual({ appId: '/g.v1/my-app', instanceId, incarnation: 3 });
    expect(parseTaskId('someone-else')).toBeUndefined();
  });
});
