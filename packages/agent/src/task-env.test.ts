import type { TaskInfo } from '@tandem/protocol';
import { describe, expect, it } from 'vitest';
import { buildTaskEnv, taskPorts } from './task-env.js';

const task = (resources: TaskInfo['resources'], env: { name: string; value: string; secret?: string }[] = []): TaskInfo =>
  ({
    taskId: 't1',
    name: 'web',
    agentId: '',
    resources,
    command: { shell: true, value: 'true', arguments: [], environment: env.map((v) => ({ secret: '', ...v })), user: '', uris: [] },
    container: null,
    labels: [],
    killPolicy: null,
    healthChecks: [],
  }) as TaskInfo;

const ports = (...ranges: [number, number][]): TaskInfo['resources'][number] => ({
  name: 'ports',
  role: '',
  ranges: { range: ranges.map(([begin, end]) => ({ begin, end })) },
});

const ctx = { taskId: 't1', frameworkId: 'fw-1', agentId: 'agent-1', sandboxDir: '/sb/fw-1/t1', hostname: 'h1' };

describe('task env', () => {
  it('task env - lists ports in the order the task gives them', () => {
    const t = task([{ name: 'cpus', role: '', scalar: 1 }, ports([31005, 31006], [31001, 31001])]);
    expect(taskPorts(t)).toEqual([31005, 31006, 31001]);
  });

  it('task env - sets PORT0..n, PORT, HOST and the TANDEM_ variables', () => {
    const t = task([ports([31005, 31006], [31001, 31001])], [{ name: 'MODE', value: 'prod' }]);
    const env = buildTaskEnv(t, { ...ctx, ports: taskPorts(t) });
    expect(env).toEqual({
      MODE: 'prod',
      PORT0: '31005',
      PORT1: '31006',
      PORT2: '31001',
      PORT: '31005',
      HOST: 'h1',
      TANDEM_TASK_ID: 't1',
      TANDEM_FRAMEWORK_ID: 'fw-1',
      TANDEM_AGENT_ID: 'agent-1',
      TANDEM_SANDBOX: '/sb/fw-1/t1',
    });
  });

  it("task env - a task without ports gets no PORT variables, and cannot override the agent's", () => {
    const t = task(
      [],
      [
        { name: 'TANDEM_TASK_ID', value: 'spoofed' },
        { name: 'PORT', value: '1' },
      ],
    );
    const env = buildTaskEnv(t, { ...ctx, ports: taskPorts(t) });
    expect(env.PORT0).toBeUndefined();
    expect(env.PORT).toBe('1');
    expect(env.TANDEM_TASK_ID).toBe('t1');
  });

  it('task env - a variable referencing a secret gets its value by source, and is left out without one', () => {
    const t = task(
      [],
      [
        { name: 'DB_PASS', value: '', secret: 'db-password' },
        { name: 'OTHER', value: '', secret: 'unread' },
      ],
    );
    const env = buildTaskEnv(t, { ...ctx, ports: [] }, new Map([['db-password', 's3cret']]));
    expect(env.DB_PASS).toBe('s3cret');
    expect(env).not.toHaveProperty('OTHER');
    expect(buildTaskEnv(t, { ...ctx, ports: [] })).not.toHaveProperty('DB_PASS');
  });
});
