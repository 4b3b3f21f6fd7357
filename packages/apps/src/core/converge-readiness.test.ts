import { describe, expect, it } from 'vitest';
import type { AppDefinition } from '../app/app-definition.js';
import { validateApp } from '../app/validate-app.js';
import { converge, isConverged } from './converge.js';
import type { Deployment } from './deployment.js';
import type { Instance } from './instance.js';
import { needsReadiness, readinessTargetOf, readinessUrl, tasksToCheck } from './readiness-gate.js';

const app = (instances: number, config: string): AppDefinition =>
  validateApp(
    {
      id: '/a',
      cmd: 'x',
      instances,
      portDefinitions: [
        { port: 0, name: 'admin' },
        { port: 0, name: 'http' },
      ],
      readinessChecks: [{ portName: 'http', path: '/ready' }],
    },
    { maxInstances: 100 },
    { version: config, versionInfo: { lastScalingAt: config, lastConfigChangeAt: config } },
  );
let seq = 0;
const inst = (config: string, over: Partial<Instance> = {}): Instance => ({
  instanceId: `i${seq}`,
  taskId: `t${seq++}`,
  appId: '/a',
  configVersion: config,
  appVersion: config,
  goal: 'Running',
  condition: 'Running',
  since: '',
  incarnation: 1,
  ports: [31001, 31002],
  hostname: '10.0.0.7',
  createdAt: '',
  startedAt: `2024-01-01T00:00:${String(10 + seq).padStart(2, '0')}Z`,
  ...over,
});
const deployment = (target: AppDefinition, action: 'RestartApplication' | 'StopApplication' = 'RestartApplication'): Deployment => ({
  id: 'd1',
  version: target.version,
  affectedApps: ['/a'],
  steps: [{ actions: [{ action, app: '/a' }] }],
  currentStep: 0,
  state: 'running',
  original: { '/a': null },
  target: { '/a': target },
  startedAt: 0,
});

describe('readiness gate', () => {
  it('readiness-gate - a rolling upgrade kills no old instance while the new ones are RUNNING but not ready', () => {
    const target = app(2, 'c2');
    const old = [inst('c1'), inst('c1')];
    const fresh = [inst('c2'), inst('c2')];
    const ready = new Set<string>();
    const readyFn = (i: Instance): boolean => !needsReadiness(i, target) || ready.has(i.taskId!);
    // Not ready: the new instances do not count; nothing old is killed, nothing more started (capacity 2 x 2).
    expect(converge(target, [...old, ...fresh], false, readyFn)).toEqual({ schedule: 0, decommission: [] });
    // Without the gate the same instances would let both old ones go.
    expect(converge(target, [...old, ...fresh], false).decommission).toHaveLength(2);
    ready.add(fresh[0]!.taskId!);
    expect(converge(target, [...old, ...fresh], false, readyFn).decommission).toHaveLength(1);
    expect(isConverged(target, fresh, false, readyFn)).toBe(false);
    ready.add(fresh[1]!.taskId!);
    expect(isConverged(target, fresh, false, readyFn)).toBe(true);
  });

  it('readiness-gate - only the instances the deployment started are checked, on the host and host port of portName', () => {
    const target = app(3, 'c2');
    const d = deployment(target);
    expect(readinessTargetOf(d, '/a')).toBe(target);
    expect(readinessTargetOf(deployment(target, 'StopApplication'), '/a')).toBeUndefined();
    expect(readinessTargetOf({ ...d, state: 'succeeded' }, '/a')).toBeUndefined();
    const before = inst('c2', { appVersion: 'c1' }); // ran before a scale: not checked
    const running = inst('c2');
    const staging = inst('c2', { condition: 'Staging' });
    const killing = inst('c2', { goal: 'Decommissioned' });
    const old = inst('c1');
    const wanted = tasksToCheck(new Map([['/a', target]]), () => [before, running, staging, killing, old]);
    expect([...wanted.keys()]).toEqual([running.taskId]);
    expect(wanted.get(running.taskId!)).toMatchObject({ appId: '/a', url: 'http://10.0.0.7:31002/ready', check: { name: 'readinessCheck' } });
    expect(readinessUrl({ ...running, hostname: '::1' }, target, target.readinessChecks[0]!)).toBe('http://[::1]:31002/ready');
    expect(readinessUrl({ ...running, ports: [] }, target, target.readinessChecks[0]!)).toBeUndefined();
  });
});
