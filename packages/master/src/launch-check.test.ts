import { type EnvVar, type HealthCheck, Resources, type TaskInfo } from '@tandem/protocol';
import { describe, expect, it } from 'vitest';
import { checkLaunch } from './launch-check.js';

const check = (over: Partial<HealthCheck> = {}): HealthCheck => ({
  type: 'TCP',
  delaySeconds: 0,
  intervalSeconds: 1,
  timeoutSeconds: 1,
  consecutiveFailures: 3,
  gracePeriodSeconds: 0,
  command: null,
  portIndex: 0,
  path: '',
  reportOnly: false,
  ...over,
});

const task = (healthChecks: HealthCheck[], ports = true): TaskInfo =>
  ({
    taskId: 't1',
    name: 't1',
    agentId: '',
    resources: Resources.of({ cpus: 0.1, mem: 32, ...(ports ? { ports: [{ begin: 31000, end: 31001 }] } : {}) }).toWire(),
    command: { shell: true, value: 'sleep 1', arguments: [], environment: [], user: '', uris: [] },
    container: null,
    labels: [],
    killPolicy: null,
    healthChecks,
  }) as TaskInfo;

const ctx = () => ({ pool: Resources.parse('cpus:1;mem:128;ports:[31000-31010]'), containerizers: new Set(['process']), taken: () => false });
const field = 'accept.operations[0].launch.tasks[0]';

describe('launch check', () => {
  it('launch check - accepts several health checks, report_only or not', () => {
    expect(checkLaunch(task([check(), check({ type: 'HTTP', portIndex: 1, path: '/a', reportOnly: true })]), field, ctx()).ok).toBe(true);
  });

  it('launch check - a bad health check is TASK_ERROR naming the check by index', () => {
    const message = (t: TaskInfo): string => {
      const r = checkLaunch(t, field, ctx());
      if (r.ok) throw new Error('accepted');
      expect(r.reason).toBe('REASON_TASK_INVALID');
      return r.message;
    };
    expect(message(task([check(), check({ portIndex: 2 })]))).toBe(`${field}.health_checks[1].port_index: is 2 but the task has 2 port(s)`);
    expect(message(task([check()], false))).toMatch(/health_checks\[0\]\.port_index: is 0 but the task has 0 port\(s\)/);
    expect(message(task([check({ type: 'TYPE_UNSPECIFIED' })]))).toMatch(/health_checks\[0\]\.type: must be one of COMMAND, HTTP, TCP/);
    expect(message(task([check({ timeoutSeconds: Number.NaN })]))).toMatch(/health_checks\[0\]\.timeout_seconds/);
    expect(message(task([check({ type: 'COMMAND' })]))).toMatch(/health_checks\[0\]\.command/);
  });

  it('launch check - an env var may reference a secret by a good source name, with no value beside it', () => {
    const withEnv = (environment: EnvVar[]): TaskInfo => {
      const t = task([]);
      return { ...t, command: t.command ? { ...t.command, environment } : null };
    };
    expect(checkLaunch(withEnv([{ name: 'DB_PASS', value: '', secret: 'db-password' }]), field, ctx()).ok).toBe(true);
    const bad = (env: { name: string; value: string; secret: string }): string => {
      const r = checkLaunch(withEnv([{ name: 'OK', value: 'x', secret: '' }, env]), field, ctx());
      if (r.ok) throw new Error('accepted');
      expect(r.reason).toBe('REASON_TASK_INVALID');
      return r.message;
    };
    expect(bad({ name: 'A', value: '', secret: '../etc/passwd' }).startsWith(`${field}.command.environment[1].secret: `)).toBe(true);
    expect(bad({ name: 'A', value: '', secret: 'a/b' })).toMatch(/environment\[1\]\.secret: "a\/b" must be 1-200 of/);
    expect(bad({ name: 'A', value: '', secret: '..' })).toMatch(/environment\[1\]\.secret/);
    expect(bad({ name: 'A', value: 'plain', secret: 'db' })).toMatch(/environment\[1\]\.value: must be empty when the variable references a secret/);
  });
});
