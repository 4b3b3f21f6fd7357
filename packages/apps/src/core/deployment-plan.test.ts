import { ValidationError } from '@tandem/protocol';
import { describe, expect, it } from 'vitest';
import type { AppDefinition } from '../app/app-definition.js';
import { validateApp } from '../app/validate-app.js';
import { type AppChange, planSteps } from './deployment-plan.js';

const app = (json: object, config = 'c1'): AppDefinition =>
  validateApp({ cmd: 'x', ...json }, { maxInstances: 100 }, { version: config, versionInfo: { lastScalingAt: config, lastConfigChangeAt: config } });

describe('deployment plan', () => {
  it('deployment-plan - start, scale, restart and stop actions', () => {
    const changes = new Map<string, AppChange>([
      ['/new', { from: undefined, to: app({ id: '/new' }) }],
      ['/scaled', { from: app({ id: '/scaled' }), to: app({ id: '/scaled', instances: 3 }, 'c2') }],
      ['/changed', { from: app({ id: '/changed' }), to: app({ id: '/changed', env: { A: '1' } }, 'c2') }],
      ['/gone', { from: app({ id: '/gone' }), to: undefined }],
      ['/same', { from: app({ id: '/same' }), to: app({ id: '/same' }, 'c2') }],
    ]);
    expect(planSteps(changes)).toEqual([
      { actions: [{ action: 'StopApplication', app: '/gone' }] },
      {
        actions: [
          { action: 'StartApplication', app: '/new' },
          { action: 'ScaleApplication', app: '/scaled' },
          { action: 'RestartApplication', app: '/changed' },
        ],
      },
    ]);
  });

  it('deployment-plan - follows dependencies: a group starts db before web', () => {
    const changes = new Map<string, AppChange>([
      ['/g/web', { from: undefined, to: app({ id: '/g/web', dependencies: ['db'] }) }],
      ['/g/db', { from: undefined, to: app({ id: '/g/db' }) }],
    ]);
    expect(planSteps(changes).map((s) => s.actions.map((a) => a.app))).toEqual([['/g/db'], ['/g/web']]);
  });

  it('deployment-plan - refuses a dependency cycle', () => {
    const changes = new Map<string, AppChange>([
      ['/a', { from: undefined, to: app({ id: '/a', dependencies: ['/b'] }) }],
      ['/b', { from: undefined, to: app({ id: '/b', dependencies: ['/a'] }) }],
    ]);
    expect(() => planSteps(changes)).toThrow(ValidationError);
    try {
      planSteps(changes);
    } catch (err) {
      expect((err as ValidationError).details[0]?.errors[0]).toMatch(/cycle/);
    }
  });
});
