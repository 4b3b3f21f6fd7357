import { describe, expect, it } from 'vitest';
import type { AppDefinition } from '../app/app-definition.js';
import { validateApp } from '../app/validate-app.js';
import { converge, isConverged } from './converge.js';
import type { Condition, Instance } from './instance.js';

const app = (json: object, config = 'c2'): AppDefinition =>
  validateApp({ id: '/a', cmd: 'x', ...json }, { maxInstances: 100 }, { version: config, versionInfo: { lastScalingAt: config, lastConfigChangeAt: config } });
let seq = 0;
const inst = (configVersion: string, condition: Condition = 'Running', startedAt = `2024-01-01T00:00:${String(10 + seq).padStart(2, '0')}Z`): Instance => ({
  instanceId: `i${seq++}`,
  appId: '/a',
  configVersion,
  appVersion: configVersion,
  goal: 'Running',
  condition,
  since: '',
  incarnation: 1,
  ports: [],
  createdAt: '',
  startedAt,
});

/** Runs converge to a fixed point, starting scheduled instances as healthy at once, and samples the worst moments. */
function simulate(target: AppDefinition, start: Instance[]) {
  let all = [...start];
  let minHealthy = Number.POSITIVE_INFINITY;
  let maxOccupying = 0;
  for (let round = 0; round < 100; round++) {
    const d = converge(target, all, false);
    for (const k of d.decommission) all = all.filter((i) => i !== k);
    const healthyNow = all.filter((i) => i.condition === 'Running').length;
    minHealthy = Math.min(minHealthy, healthyNow);
    for (let i = 0; i < d.schedule; i++) all.push(inst(target.versionInfo.lastConfigChangeAt, 'Scheduled'));
    maxOccupying = Math.max(maxOccupying, all.length);
    if (d.schedule === 0 && d.decommission.length === 0) break;
    all = all.map((i) => (i.condition === 'Scheduled' ? { ...i, condition: 'Running' } : i));
  }
  return { all, minHealthy, maxOccupying };
}

describe('converge', () => {
  it('converge - scales up and down; scale-down follows killSelection', () => {
    expect(converge(app({ instances: 3 }), [inst('c2')], false)).toEqual({ schedule: 2, decommission: [] });
    const a = inst('c2', 'Running', '2024-01-01T00:00:01Z');
    const b = inst('c2', 'Running', '2024-01-01T00:00:05Z');
    expect(converge(app({ instances: 1 }), [a, b], false).decommission).toEqual([b]);
    expect(converge(app({ instances: 1, killSelection: 'OLDEST_FIRST' }), [a, b], false).decommission).toEqual([a]);
  });

  it('converge - rolling upgrade honours minimumHealthCapacity and maximumOverCapacity', () => {
    for (const [minHC, maxOC, n] of [
      [1, 1, 4],
      [0.5, 0.5, 4],
      [0, 0, 3],
      [1, 0, 3],
      [0.6, 0.2, 5],
    ] as const) {
      const target = app({ instances: n, upgradeStrategy: { minimumHealthCapacity: minHC, maximumOverCapacity: maxOC } });
      const { all, minHealthy, maxOccupying } = simulate(
        target,
        Array.from({ length: n }, () => inst('c1')),
      );
      expect(all.every((i) => i.configVersion === 'c2') && all.length === n, `${minHC}/${maxOC}`).toBe(true);
      expect(maxOccupying, `${minHC}/${maxOC}`).toBeLessThanOrEqual(Math.floor(n * (1 + maxOC) + 1e-9));
      // maximumOverCapacity 0 with minimumHealthCapacity 1 can only move by dipping one below.
      const floorHealthy = minHC === 1 && maxOC === 0 ? n - 1 : Math.ceil(n * minHC - 1e-9);
      expect(minHealthy, `${minHC}/${maxOC}`).toBeGreaterThanOrEqual(floorHealthy);
    }
  });

  it('converge - waits for new instances to be healthy before killing old ones', () => {
    const target = app({ instances: 2, healthChecks: [{ protocol: 'HTTP' }] });
    const d = converge(
      target,
      [
        { ...inst('c1'), healthy: true },
        { ...inst('c1'), healthy: true },
        { ...inst('c2'), healthy: undefined },
        { ...inst('c2'), healthy: false },
      ],
      true,
    );
    expect(d).toEqual({ schedule: 0, decommission: [] });
    expect(
      isConverged(
        target,
        [
          { ...inst('c2'), healthy: true },
          { ...inst('c2'), healthy: true },
        ],
        true,
      ),
    ).toBe(true);
  });

  it('converge - a removed app decommissions everything', () => {
    const i = [inst('c1'), inst('c1', 'Scheduled')];
    expect(converge(undefined, i, false).decommission).toHaveLength(2);
  });
});
