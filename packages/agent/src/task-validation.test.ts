import type { TaskInfo } from '@tandem/protocol';
import { describe, expect, it } from 'vitest';
import { validateTask } from './task-validation.js';

const base = (over: Partial<TaskInfo> = {}): TaskInfo =>
  ({
    taskId: 't1',
    name: 'x',
    agentId: '',
    resources: [{ name: 'cpus', role: '', scalar: 0.5 }],
    command: { shell: true, value: 'sleep 1', arguments: [], environment: [], user: '' },
    container: null,
    labels: [],
    killPolicy: null,
    healthCheck: null,
    ...over,
  }) as TaskInfo;

describe('task validation', () => {
  it('task validation - accepts a process task and a docker task', () => {
    expect(validateTask(base()).containerizer).toBe('process');
    const docker = validateTask(base({ command: null, container: { type: 'DOCKER', docker: { image: 'nginx', forcePullImage: false, privileged: false } } }));
    expect(docker.containerizer).toBe('docker');
  });

  it('task validation - names the field at fault', () => {
    expect(() => validateTask(base({ taskId: '../etc' }))).toThrow(/task_id/);
    expect(() => validateTask(base({ taskId: '' }))).toThrow(/task_id/);
    expect(() => validateTask(base({ resources: [{ name: 'cpus', role: '', scalar: Number.NaN }] }))).toThrow(/resources\[0\]/);
    expect(() => validateTask(base({ command: null }))).toThrow(/command/);
    expect(() => validateTask(base({ container: { type: 'DOCKER', docker: null } }))).toThrow(/container\.docker\.image/);
    expect(() => validateTask(base({ resources: [{ name: 'ports', role: '', ranges: { range: [{ begin: 1, end: 70000 }] } }] }))).toThrow(/ports/);
    expect(() => validateTask(base({ killPolicy: { gracePeriodSeconds: -1 } }))).toThrow(/kill_policy/);
  });
});
