import { Resources, type TaskInfoInit } from '@tandem/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import type { Master } from './master.js';
import { packTaskInfo, unpackTaskInfo } from './packed-task-info.js';
import { newTaskEntry, taskInfoOf } from './state-records.js';
import { clusterStateJson } from './state-view.js';
import { next, ScriptedPeers } from './test-support/scripted-peers.js';

// The master keeps a task's TaskInfo packed and its status as a compact copy: what the
// Operator API, reconciliation and the HTTP state give back must be what came in.

const peers = new ScriptedPeers();
afterEach(() => peers.stop());
const startMaster = (): Promise<Master> => peers.startMaster();

/** A TaskInfo with every kind of field set. */
const richTask = (agentId: string): TaskInfoInit => ({
  taskId: 'web.1',
  name: 'web',
  agentId,
  resources: Resources.parse('cpus:0.5;mem:64;ports:[31000-31001]').toWire(),
  command: { shell: false, value: '', arguments: ['httpd', '-f'], environment: [{ name: 'A', value: 'é ü 東京' }], user: 'nobody' },
  container: { type: 'DOCKER', docker: { image: 'busybox:1.36', forcePullImage: true } },
  labels: [{ key: 'team', value: 'core' }],
  killPolicy: { gracePeriodSeconds: 7.5 },
  healthChecks: [{ type: 'COMMAND', command: { shell: true, value: 'true' }, intervalSeconds: 3, consecutiveFailures: 2 }],
});

describe('task records', () => {
  it("task records - a packed TaskInfo decodes to what was packed; agentId is left out only when it is the task's agent", () => {
    const info = unpackTaskInfo(packTaskInfo(richTask('a-1'), 'a-1'), 'a-1');
    expect(info.agentId).toBe('a-1');
    expect(info.command?.environment[0]?.value).toBe('é ü 東京');
    expect(info.healthChecks[0]?.consecutiveFailures).toBe(2);
    expect(packTaskInfo(richTask('a-1'), 'a-1').length).toBeLessThan(packTaskInfo(richTask('a-1'), 'other').length);
    expect(unpackTaskInfo(packTaskInfo(richTask('a-1'), 'other'), 'other').agentId).toBe('a-1');
    const entry = newTaskEntry({
      key: 'f/web.1',
      id: 'web.1',
      frameworkId: 'f',
      agentId: 'a-1',
      info: richTask('a-1'),
      resources: Resources.parse('cpus:0.5'),
      state: 'TASK_STAGING',
      released: false,
      status: {
        taskId: 'web.1',
        state: 'TASK_STAGING',
        reason: 'REASON_NONE',
        source: 'SOURCE_MASTER',
        message: '',
        agentId: 'a-1',
        frameworkId: 'f',
        uuid: '',
        timestamp: 1,
        hasExitCode: false,
        exitCode: 0,
        healthy: false,
        hasHealthy: false,
        containerId: '',
      },
    });
    expect(taskInfoOf(entry)).toEqual(info);
    expect(taskInfoOf(entry)).not.toBe(taskInfoOf(entry));
  });

  it('task records - GetState, Watch and /api/v1/state give back the TaskInfo the agent got and the status it sent', async () => {
    const master = await startMaster();
    const added: unknown[] = [];
    const updated: unknown[] = [];
    peers.defer(
      master.watch(
        (e) => {
          if (e.taskAdded) added.push(e.taskAdded);
          if (e.taskUpdated) updated.push(e.taskUpdated);
        },
        () => undefined,
      ),
    );
    const agent = await peers.agent(master, {
      agentInfo: { hostname: 'h1', resources: Resources.parse('cpus:2;mem:1024;ports:[31000-31010]').toWire(), containerizers: ['docker'] },
    });
    const fw = await peers.framework(master);
    const offer = (await next(fw.events, (e) => e.event === 'offers')).offers!.offers[0]!;
    await fw.call({ accept: { offerIds: [offer.id], operations: [{ launch: { tasks: [richTask('ignored')] } }] } });
    const launched = (await next(agent.inbox, (m) => m.message === 'launchTasks')).launchTasks!.tasks[0]!;
    expect(launched.agentId).toBe(agent.agentId);

    const running = {
      taskId: 'web.1',
      frameworkId: fw.frameworkId,
      agentId: agent.agentId,
      state: 'TASK_RUNNING' as const,
      uuid: 'u-run',
      source: 'SOURCE_AGENT' as const,
      reason: 'REASON_NONE' as const,
      message: 'up',
      timestamp: 1234.5,
      hasExitCode: false,
      exitCode: 0,
      healthy: true,
      hasHealthy: true,
      containerId: 'c-9',
    };
    agent.stream.write({ statusUpdates: { updates: [{ status: running, latestState: 'TASK_RUNNING' }] } });
    await next(fw.events, (e) => e.event === 'update' && e.update!.statuses.some((s) => s.uuid === 'u-run'));

    const inProcess = master.state().tasks?.[0];
    expect(inProcess?.info).toEqual(launched);
    expect(inProcess?.status).toEqual(running);
    const wire = await peers.getState(master);
    expect(wire.tasks[0]?.info).toEqual(launched);
    expect(wire.tasks[0]?.status).toEqual(running);
    expect(added).toEqual([expect.objectContaining({ info: launched, state: 'TASK_STAGING' })]);
    expect(updated).toEqual([running]);
    const json = clusterStateJson(master).tasks as Record<string, unknown>[];
    expect(json[0]).toMatchObject({ id: 'web.1', name: 'web', image: 'busybox:1.36', state: 'TASK_RUNNING', status: { message: 'up', containerId: 'c-9' } });

    // The ack of the newest status completes nothing while the task runs; reconciliation
    // answers with the held status.
    await fw.call({ reconcile: { tasks: [] } });
    const rec = await next(fw.events, (e) => e.event === 'update' && e.update!.statuses.some((s) => s.reason === 'REASON_RECONCILIATION'));
    expect(rec.update!.statuses[0]).toMatchObject({
      taskId: 'web.1',
      state: 'TASK_RUNNING',
      message: 'up',
      containerId: 'c-9',
      healthy: true,
      hasHealthy: true,
      agentId: agent.agentId,
    });
  });

  it('task records - a task a re-registering agent reports is held as reported', async () => {
    const master = await startMaster();
    const info = richTask('a-known');
    const status = {
      taskId: 'web.1',
      frameworkId: 'fw-1',
      agentId: 'a-known',
      state: 'TASK_RUNNING' as const,
      uuid: 'u-7',
      source: 'SOURCE_AGENT' as const,
      reason: 'REASON_NONE' as const,
      message: '',
      timestamp: 99,
      hasExitCode: false,
      exitCode: 0,
      healthy: false,
      hasHealthy: false,
      containerId: 'c-1',
    };
    await peers.agent(master, {
      agentInfo: { id: 'a-known', hostname: 'h1', resources: Resources.parse('cpus:2;mem:1024;ports:[31000-31010]').toWire(), containerizers: ['docker'] },
      tasks: [{ info, frameworkId: 'fw-1', state: 'TASK_RUNNING', status }],
      frameworks: [{ id: 'fw-1', name: 'f', roles: ['*'] }],
    });
    const wire = await peers.getState(master);
    expect(wire.tasks).toHaveLength(1);
    expect(wire.tasks[0]).toMatchObject({ frameworkId: 'fw-1', state: 'TASK_RUNNING', status });
    expect(wire.tasks[0]?.info).toMatchObject({
      taskId: 'web.1',
      name: 'web',
      agentId: 'a-known',
      labels: [{ key: 'team', value: 'core' }],
      container: { docker: { image: 'busybox:1.36' } },
    });
    expect(wire.tasks[0]?.info?.command?.arguments).toEqual(['httpd', '-f']);
  });
});
