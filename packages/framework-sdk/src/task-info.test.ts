import { type Offer, Resources, ValidationError } from '@tandem/protocol';
import { describe, expect, it } from 'vitest';
import { taskInfo } from './task-info.js';

function offer(id: string, text: string, agentId = `agent-${id}`): Offer {
  const resources = Resources.parse(text).toWire() as Offer['resources'];
  return { id, frameworkId: 'f1', agentId, hostname: 'h', resources, attributes: [], unavailability: null };
}

describe('taskInfo', () => {
  it('taskInfo - fills agent id, resources and a PROCESS container for argv', () => {
    const info = taskInfo({ id: 't1', cpus: 0.5, mem: 64, argv: ['sleep', '1'], env: { A: '1' } }, offer('o1', 'cpus:1;mem:128'));
    expect(info.agentId).toBe('agent-o1');
    expect(info.name).toBe('t1');
    expect(info.command).toMatchObject({ shell: false, arguments: ['sleep', '1'], environment: [{ name: 'A', value: '1' }] });
    expect(info.container).toEqual({ type: 'PROCESS' });
    expect(Resources.fromWire(info.resources).equals(Resources.of({ cpus: 0.5, mem: 64 }))).toBe(true);
  });

  it('taskInfo - a command string runs under the shell; an image makes a DOCKER container', () => {
    const info = taskInfo(
      { id: 't2', cpus: 0.1, mem: 32, command: 'echo hi', image: 'alpine:3', killGracePeriodSeconds: 7, labels: { k: 'v' } },
      { agentId: 'a9' },
    );
    expect(info.command).toMatchObject({ shell: true, value: 'echo hi' });
    expect(info.container).toEqual({ type: 'DOCKER', docker: { image: 'alpine:3', forcePullImage: false } });
    expect(info.killPolicy).toEqual({ gracePeriodSeconds: 7 });
    expect(info.labels).toEqual([{ key: 'k', value: 'v' }]);
    expect(info.agentId).toBe('a9');
  });

  it('taskInfo - carries every health check; none leaves the field out', () => {
    const checks = [
      { type: 'HTTP', path: '/a' },
      { type: 'TCP', reportOnly: true },
    ] as const;
    const info = taskInfo({ id: 't4', cpus: 0.1, mem: 32, ports: 1, argv: ['x'], healthChecks: checks }, offer('o1', 'cpus:1;mem:128;ports:[31000-31001]'));
    expect(info.healthChecks).toEqual(checks);
    expect(taskInfo({ id: 't5', cpus: 0.1, mem: 32, argv: ['x'] }, { agentId: 'a' }).healthChecks).toBeUndefined();
  });

  it('taskInfo - docker host access goes into container.docker with the image; without an image it is an error naming the field', () => {
    const docker = { volumes: [{ containerPath: '/in', hostPath: '/data', mode: 'RO' as const }], capAdd: ['NET_ADMIN'], pidMode: 'HOST' as const };
    const info = taskInfo({ id: 't6', cpus: 0.1, mem: 32, argv: ['x'], image: 'busybox', docker }, { agentId: 'a' });
    expect(info.container).toEqual({ type: 'DOCKER', docker: { ...docker, image: 'busybox', forcePullImage: false } });
    expect(() => taskInfo({ id: 't7', cpus: 0.1, mem: 32, argv: ['x'], docker }, { agentId: 'a' })).toThrow(/^task t7\.docker: .*need an image/);
  });

  it('taskInfo - picks ports from the offer ranges', () => {
    const info = taskInfo({ id: 't3', cpus: 0.1, mem: 32, ports: 3, argv: ['x'] }, offer('o1', 'cpus:1;mem:128;ports:[31000-31001,31005-31010]'));
    expect(Resources.fromWire(info.resources).ports).toEqual([
      { begin: 31000, end: 31001 },
      { begin: 31005, end: 31005 },
    ]);
  });

  it('taskInfo - names the field when the offer lacks a resource or the spec is bad', () => {
    const o = offer('o1', 'cpus:1;mem:128;ports:[31000-31000]');
    expect(() => taskInfo({ id: 't', cpus: 2, mem: 32, argv: ['x'] }, o)).toThrow(/task t.resources: the offer lacks cpus/);
    expect(() => taskInfo({ id: 't', cpus: 0.1, mem: 32, ports: 2, argv: ['x'] }, o)).toThrow(/task t.ports/);
    expect(() => taskInfo({ id: 't', cpus: 0, mem: 32, argv: ['x'] }, o)).toThrow(/task t.cpus/);
    expect(() => taskInfo({ id: 'a/b', cpus: 1, mem: 32, argv: ['x'] }, o)).toThrow(ValidationError);
    expect(() => taskInfo({ id: 't', cpus: 1, mem: 32 }, o)).toThrow(/task t.command/);
  });

  it('taskInfo - an env value { secret } becomes a reference (EnvVar.secret), checked as a file name', () => {
    const o = offer('o1', 'cpus:1;mem:128');
    const info = taskInfo({ id: 't1', cpus: 0.5, mem: 64, command: 'env', env: { A: '1', DB_PASS: { secret: 'db-password' } } }, o);
    expect(info.command?.environment).toEqual([
      { name: 'A', value: '1' },
      { name: 'DB_PASS', secret: 'db-password' },
    ]);
    expect(() => taskInfo({ id: 't1', cpus: 0.5, mem: 64, command: 'env', env: { DB_PASS: { secret: '../x' } } }, o)).toThrow(
      /^task t1\.env\.DB_PASS\.secret: /,
    );
  });
});
