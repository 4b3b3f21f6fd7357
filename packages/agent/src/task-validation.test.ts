import type { TaskInfo } from '@tandem/protocol';
import { describe, expect, it } from 'vitest';
import { validateTask } from './task-validation.js';
import { NO_HOST_ACCESS } from './test-support/launch-spec.js';

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
    healthChecks: [],
    ...over,
  }) as TaskInfo;

describe('task validation', () => {
  it('task validation - accepts a process task and a docker task', () => {
    expect(validateTask(base()).containerizer).toBe('process');
    const docker = validateTask(base({ command: null, container: { type: 'DOCKER', docker: { ...NO_HOST_ACCESS, image: 'nginx' } } }));
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

  it('task validation - a malformed container.docker field is named; a process task carrying Docker host access is refused, not run without it', () => {
    const volumes = [{ containerPath: 'data', hostPath: '/srv', mode: 'RO' as const }];
    expect(() => validateTask(base({ container: { type: 'DOCKER', docker: { ...NO_HOST_ACCESS, image: 'nginx', volumes } } }))).toThrow(
      /^container\.docker\.volumes\[0\]\.container_path: must be an absolute path, got "data"$/,
    );
    const processWithVolume = base({ container: { type: 'PROCESS', docker: { ...NO_HOST_ACCESS, volumes: [{ ...volumes[0]!, containerPath: '/data' }] } } });
    expect(() => validateTask(processWithVolume)).toThrow(/^container\.docker\.volumes: needs a DOCKER container with an image/);
    expect(() => validateTask(base({ container: { type: 'PROCESS', docker: { ...NO_HOST_ACCESS, capAdd: ['NET_ADMIN'] } } }))).toThrow(
      /container\.docker\.cap_add/,
    );
  });

  it('task validation - a process task with bridge port mappings or other container settings is refused naming them; a malformed setting of a docker task is named', () => {
    const mapping = { containerPort: 80, hostPort: 31000, protocol: 'tcp' };
    const bridge = { ...NO_HOST_ACCESS, network: 'NETWORK_BRIDGE' as const, portMappings: [mapping] };
    expect(() => validateTask(base({ container: { type: 'PROCESS', docker: bridge } }))).toThrow(/^container\.docker\.network: needs a DOCKER container/);
    expect(() => validateTask(base({ container: { type: 'PROCESS', docker: { ...NO_HOST_ACCESS, labels: [{ key: 'a', value: 'b' }] } } }))).toThrow(
      /^container\.docker\.labels: needs a DOCKER container/,
    );
    expect(() => validateTask(base({ container: { type: 'DOCKER', docker: { ...bridge, image: 'nginx', network: 'NETWORK_HOST' } } }))).toThrow(
      /^container\.docker\.port_mappings: port mappings need network NETWORK_BRIDGE$/,
    );
    expect(validateTask(base({ container: { type: 'DOCKER', docker: { ...bridge, image: 'nginx' } } })).containerizer).toBe('docker');
  });

  it('task validation - health checks: type, numbers, command and port_index, named by index', () => {
    const hc = {
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
    } as const;
    const ports = [{ name: 'ports', role: '', ranges: { range: [{ begin: 31000, end: 31001 }] } }];
    expect(() => validateTask(base({ resources: ports, healthChecks: [hc, { ...hc, type: 'HTTP', portIndex: 1, path: '/a' }] }))).not.toThrow();
    expect(() => validateTask(base({ healthChecks: [hc] }))).toThrow(/health_checks\[0\]\.port_index: is 0 but the task has 0 port\(s\)/);
    expect(() => validateTask(base({ resources: ports, healthChecks: [hc, { ...hc, portIndex: 2 }] }))).toThrow(/health_checks\[1\]\.port_index/);
    expect(() => validateTask(base({ resources: ports, healthChecks: [{ ...hc, type: 'TYPE_UNSPECIFIED' }] }))).toThrow(/health_checks\[0\]\.type/);
    expect(() => validateTask(base({ resources: ports, healthChecks: [{ ...hc, intervalSeconds: -1 }] }))).toThrow(/health_checks\[0\]\.interval_seconds/);
    expect(() => validateTask(base({ resources: ports, healthChecks: [{ ...hc, type: 'HTTP', path: 'a' }] }))).toThrow(/health_checks\[0\]\.path/);
    expect(() => validateTask(base({ healthChecks: [{ ...hc, type: 'COMMAND' }] }))).toThrow(/health_checks\[0\]\.command/);
  });
});
