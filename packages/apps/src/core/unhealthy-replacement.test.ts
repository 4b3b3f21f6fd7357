import type { TaskStatus } from '@tandem/protocol';
import { describe, expect, it } from 'vitest';
import type { AppDefinition } from '../app/app-definition.js';
import { validateApp } from '../app/validate-app.js';
import { converge } from './converge.js';
import type { Condition, Instance } from './instance.js';
import { countable, noteHealthReport, planReplacements, unhealthyKillTimeoutMs } from './unhealthy-replacement.js';

const app = (json: object = {}): AppDefinition =>
  validateApp(
    { id: '/a', cmd: 'x', instances: 2, healthChecks: [{ protocol: 'HTTP', gracePeriodSeconds: 10, intervalSeconds: 2, maxConsecutiveFailures: 3 }], ...json },
    { maxInstances: 100 },
    { version: 'c', versionInfo: { lastScalingAt: 'c', lastConfigChangeAt: 'c' } },
  );
let seq = 0;
const inst = (over: Partial<Instance> = {}, condition: Condition = 'Running'): Instance => ({
  instanceId: `i${seq++}`,
  appId: '/a',
  configVersion: 'c',
  appVersion: 'c',
  goal: 'Running',
  condition,
  since: '',
  incarnation: 1,
  ports: [],
  createdAt: '',
  startedAt: `2024-01-01T00:00:${String(10 + seq).padStart(2, '0')}Z`,
  healthChecked: true,
  healthy: true,
  ...over,
});
const T = 1_000_000;
const failedAt = (over: Partial<Instance> = {}, condition: Condition = 'Running'): Instance =>
  inst({ healthy: false, healthFailedAt: T, health: { lastFailureCause: 'HTTP GET / returned 500' }, ...over }, condition);
const status = (over: Partial<TaskStatus>): TaskStatus =>
  ({ taskId: 't', state: 'TASK_RUNNING', reason: 'REASON_NONE', hasHealthy: true, healthy: false, ...over }) as TaskStatus;

describe('unhealthy replacement', () => {
  it('unhealthy-replacement - the bound is the largest grace + interval x maxConsecutiveFailures; checks that never fail do not count', () => {
    expect(unhealthyKillTimeoutMs(app())).toBe(16_000);
    expect(
      unhealthyKillTimeoutMs(
        app({
          healthChecks: [
            { protocol: 'TCP', gracePeriodSeconds: 1, intervalSeconds: 1, maxConsecutiveFailures: 2 },
            { protocol: 'TCP', gracePeriodSeconds: 100, intervalSeconds: 1, maxConsecutiveFailures: 0 },
          ],
        }),
      ),
    ).toBe(3_000);
  });

  it('unhealthy-replacement - only a report of consecutive failures marks the instance; healthy clears it; the first time is kept', () => {
    const i = inst();
    noteHealthReport(i, status({}), T);
    expect(i.healthFailedAt).toBeUndefined();
    noteHealthReport(i, status({ reason: 'REASON_TASK_HEALTH_CHECK_FAILED' }), T);
    noteHealthReport(i, status({ reason: 'REASON_TASK_HEALTH_CHECK_FAILED' }), T + 5);
    expect(i.healthFailedAt).toBe(T);
    noteHealthReport(i, status({ hasHealthy: false, healthy: false }), T + 6);
    expect(i.healthFailedAt).toBe(T);
    noteHealthReport(i, status({ healthy: true }), T + 7);
    expect(i.healthFailedAt).toBeUndefined();
  });

  it('unhealthy-replacement - a failed instance gets one replacement, which counts in its place (no surplus killed, nothing else scheduled)', () => {
    const ok = inst();
    const x = failedAt();
    const a = app();
    expect(planReplacements(a, [ok, x], T + 1)).toEqual({ replace: [x], kill: [], drop: [], release: [] });
    const r = inst({ replaces: x.instanceId, healthy: undefined }, 'Scheduled');
    const all = [ok, x, r];
    expect(planReplacements(a, all, T + 1)).toEqual({ replace: [], kill: [], drop: [], release: [] });
    expect(countable(all)).toEqual([ok, r]);
    expect(converge(a, countable(all), true)).toEqual({ schedule: 0, decommission: [] });
    // Without the relation the replacement would be the surplus, killed first.
    expect(converge(a, all, true).decommission).toEqual([r]);
  });

  it('unhealthy-replacement - the failed instance is killed once its replacement is RUNNING and healthy, not before', () => {
    const x = failedAt();
    const starting = inst({ replaces: x.instanceId, healthy: undefined }, 'Starting');
    expect(planReplacements(app(), [x, starting], T + 1).kill).toEqual([]);
    const unhealthy = { ...starting, condition: 'Running' as const, healthy: false };
    expect(planReplacements(app(), [x, unhealthy], T + 1).kill).toEqual([]);
    const healthy = { ...starting, condition: 'Running' as const, healthy: true };
    const plan = planReplacements(app(), [x, healthy], T + 1);
    expect(plan.kill).toEqual([{ instance: x, reason: `HTTP GET / returned 500; replaced by the healthy instance ${healthy.instanceId}` }]);
    expect(plan.replace).toEqual([]);
  });

  it('unhealthy-replacement - without a healthy replacement within the bound the failed instance is killed anyway', () => {
    const x = failedAt();
    const r = inst({ replaces: x.instanceId, healthy: undefined }, 'Scheduled');
    expect(planReplacements(app(), [x, r], T + 15_999).kill).toEqual([]);
    expect(planReplacements(app(), [x, r], T + 16_000).kill).toEqual([{ instance: x, reason: 'HTTP GET / returned 500; no healthy replacement within 16 s' }]);
    // Past the bound with no replacement at all (e.g. after a restart): killed, not replaced.
    expect(planReplacements(app(), [x], T + 20_000)).toMatchObject({ replace: [], kill: [{ instance: x }] });
  });

  it('unhealthy-replacement - recovery: a replacement not launched yet is dropped; a launched one becomes ordinary and the surplus goes by killSelection', () => {
    const x = inst();
    const queued = inst({ replaces: x.instanceId, healthy: undefined }, 'Scheduled');
    expect(planReplacements(app({ instances: 1 }), [x, queued], T)).toEqual({ replace: [], kill: [], drop: [queued], release: [] });
    const launched = inst({ replaces: x.instanceId, healthy: undefined }, 'Staging');
    expect(planReplacements(app({ instances: 1 }), [x, launched], T)).toEqual({ replace: [], kill: [], drop: [], release: [launched] });
    const { replaces: _, ...released } = launched;
    expect(converge(app({ instances: 1 }), countable([x, released]), true).decommission).toEqual([released]);
  });

  it('unhealthy-replacement - once the failed instance is gone or being killed its replacement is released, and a killed one is not killed again', () => {
    const x = failedAt({ goal: 'Decommissioned' }, 'Killing');
    const r = inst({ replaces: x.instanceId }, 'Running');
    expect(planReplacements(app(), [x, r], T + 1)).toEqual({ replace: [], kill: [], drop: [], release: [r] });
    const orphan = inst({ replaces: 'gone' }, 'Scheduled');
    expect(planReplacements(app(), [orphan], T + 1).release).toEqual([orphan]);
    expect(countable([x, r])).toEqual([x, r]);
  });

  it('unhealthy-replacement - after a scale-down the failed instance is the surplus: killed at once, not replaced', () => {
    const ok = inst();
    const x = failedAt();
    expect(planReplacements(app({ instances: 1 }), [ok, x], T + 1)).toEqual({
      replace: [],
      kill: [{ instance: x, reason: 'HTTP GET / returned 500; the app has more instances than it wants' }],
      drop: [],
      release: [],
    });
    // Two failed, one too many: one is killed, the other replaced.
    const y = failedAt();
    expect(planReplacements(app({ instances: 1 }), [x, y], T + 1)).toMatchObject({ replace: [y], kill: [{ instance: x }] });
  });
});
