import type { ClusterState, Task } from '@tandem/protocol';

/** Test fixtures: a small cluster state (two agents, two frameworks, tasks) as GetState answers. */
const scalar = (name: string, value: number) => ({ name, value: 'scalar' as const, scalar: value, role: '' });

export function fixtureTask(id: string, state: Task['state'], frameworkId: string, agentId: string, cpus: number, mem: number): Task {
  return {
    info: { taskId: id, name: id.split('.')[0] ?? id, agentId, resources: [scalar('cpus', cpus), scalar('mem', mem)] },
    frameworkId,
    state,
    status: { taskId: id, state, agentId, frameworkId, timestamp: 1000, reason: 'REASON_NONE', message: '' },
  } as unknown as Task;
}

export function fixtureState(): ClusterState {
  const agent = (id: string, hostname: string, cpus: number, mem: number) => ({
    info: { id, hostname, resources: [], attributes: [{ name: 'rack', text: 'r1' }], address: '', containerizers: [], version: '' },
    status: 'AGENT_ACTIVE',
    total: [scalar('cpus', cpus), scalar('mem', mem), scalar('disk', 1000)],
    allocated: [],
    offered: [],
    registeredAt: 900,
  });
  const framework = (id: string, name: string, roles: string[]) => ({
    info: { id, name, roles, principal: 'ops', user: '', failoverTimeoutSeconds: 0, capabilities: [], hostname: '', labels: [] },
    connected: true,
    allocated: [],
    offered: [],
    registeredAt: 950,
    disconnectedAt: 0,
  });
  return {
    masterId: 'master-1',
    startedAt: 800,
    agents: [agent('a1', 'host-1', 4, 4096), agent('a2', 'host-2', 4, 4096)],
    frameworks: [framework('f1', 'web', ['eng']), framework('f2', 'batch', [])],
    tasks: [
      fixtureTask('web.1', 'TASK_RUNNING', 'f1', 'a1', 1, 1024),
      fixtureTask('web.2', 'TASK_STAGING', 'f1', 'a2', 1, 1024),
      fixtureTask('batch.1', 'TASK_RUNNING', 'f2', 'a2', 2, 512),
    ],
    completedTasks: [fixtureTask('batch.0', 'TASK_FINISHED', 'f2', 'a1', 2, 512)],
    offers: [],
    roles: [{ name: 'eng', weight: 2, quota: { role: 'eng', guarantee: { cpus: 2 }, limit: {} }, frameworkIds: ['f1'] }],
  } as unknown as ClusterState;
}
