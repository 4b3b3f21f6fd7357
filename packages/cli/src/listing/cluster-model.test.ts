import { describe, expect, it } from 'vitest';
import { fixtureState, fixtureTask } from './cluster-fixture.js';
import { ClusterModel } from './cluster-model.js';

describe('ClusterModel', () => {
  it('cluster model - the subscribed state, then each Watch event applied in place', () => {
    const m = new ClusterModel();
    expect(m.ready).toBe(false);
    expect(m.apply({ event: 'subscribed', subscribed: fixtureState() })).toBe('changed');
    expect(m.apply({ event: 'heartbeat', heartbeat: 1 })).toBe('unchanged');

    expect(m.apply({ event: 'taskAdded', taskAdded: fixtureTask('new.1', 'TASK_STAGING', 'f2', 'a1', 1, 64) })).toBe('changed');
    expect(m.snapshot().tasks.map((t) => t.info?.taskId)).toContain('new.1');
    const running = { taskId: 'new.1', state: 'TASK_RUNNING', agentId: 'a1', frameworkId: 'f2' } as const;
    expect(m.apply({ event: 'taskUpdated', taskUpdated: running as never })).toBe('changed');
    expect(m.snapshot().tasks.find((t) => t.info?.taskId === 'new.1')?.state).toBe('TASK_RUNNING');
    // A terminal update moves the task to the finished ones, keeping its info.
    expect(m.apply({ event: 'taskUpdated', taskUpdated: { ...running, state: 'TASK_FAILED' } as never })).toBe('changed');
    expect(m.snapshot().tasks.map((t) => t.info?.taskId)).not.toContain('new.1');
    expect(m.snapshot().completedTasks.at(-1)).toMatchObject({ state: 'TASK_FAILED', info: { taskId: 'new.1' } });

    expect(m.apply({ event: 'agentUnreachable', agentUnreachable: { id: 'a2' } as never })).toBe('changed');
    expect(m.snapshot().agents.find((a) => a.info?.id === 'a2')?.status).toBe('AGENT_UNREACHABLE');
    expect(m.apply({ event: 'agentAdded', agentAdded: { id: 'a2', hostname: 'host-2', resources: [] } as never })).toBe('changed');
    expect(m.snapshot().agents.find((a) => a.info?.id === 'a2')?.status).toBe('AGENT_ACTIVE');
    expect(m.apply({ event: 'agentRemoved', agentRemoved: 'a1' })).toBe('changed');
    expect(m.snapshot().agents.find((a) => a.info?.id === 'a1')?.status).toBe('AGENT_GONE');

    expect(m.apply({ event: 'frameworkAdded', frameworkAdded: { id: 'f3', name: 'new' } as never })).toBe('changed');
    expect(m.snapshot().frameworks.map((f) => f.info?.id)).toEqual(['f1', 'f2', 'f3']);
    expect(m.apply({ event: 'frameworkRemoved', frameworkRemoved: 'f1' })).toBe('changed');
    expect(m.snapshot().frameworks.map((f) => f.info?.id)).toEqual(['f2', 'f3']);
  });

  it('cluster model - an event kind it does not know, or an unknown agent, asks for the whole state again', () => {
    const m = new ClusterModel();
    m.apply({ event: 'subscribed', subscribed: fixtureState() });
    expect(m.apply({ event: 'somethingNew' } as never)).toBe('refetch');
    expect(m.apply({ event: 'agentUnreachable', agentUnreachable: { id: 'nope' } as never })).toBe('refetch');
  });
});
