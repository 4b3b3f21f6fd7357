import type { ValidationError } from '@tandem/protocol';
import { describe, expect, it } from 'vitest';
import { validationDetails as details, TEST_LIMITS as limits, TEST_STAMP as stamp } from '../test-support/validation.js';
import { validateApp } from './validate-app.js';

describe('unsupported app fields', () => {
  it('unsupported-fields - residency is refused naming it, with the reason', () => {
    const d = details({ id: 'db', cmd: 'x', residency: { taskLostBehavior: 'WAIT_FOREVER' } });
    expect(Object.keys(d)).toEqual(['/residency']);
    expect(d['/residency']?.[0]).toMatch(/persistent volumes.*not supported/);
  });

  it('unsupported-fields - each asking field is named; a group prefix places the pointer', () => {
    const d = details({
      id: 'a',
      cmd: 'x',
      storeUrls: ['http://x'],
      ipAddress: { networkName: 'n' },
      tty: true,
      check: { http: { portIndex: 0 } },
      executorResources: { cpus: 0.1 },
      resourceLimits: { cpus: 'unlimited' },
      executor: '/opt/exec',
      container: { docker: { image: 'i', credential: { principal: 'p' }, pullConfig: { secret: 's' } }, appc: { image: 'a' }, linuxInfo: {} },
    });
    expect(Object.keys(d).sort()).toEqual(
      [
        '/check',
        '/container/appc',
        '/container/docker/credential',
        '/container/docker/pullConfig',
        '/container/linuxInfo',
        '/executor',
        '/executorResources',
        '/ipAddress',
        '/resourceLimits',
        '/storeUrls',
        '/tty',
      ].sort(),
    );
    try {
      validateApp({ id: 'a', cmd: 'x', residency: {} }, limits, stamp, '/apps/3');
      expect.unreachable();
    } catch (err) {
      expect((err as ValidationError).details.map((x) => x.path)).toEqual(['/apps/3/residency']);
    }
  });

  it("unsupported-fields - Marathon's empty defaults (as GET returns them) are accepted", () => {
    const app = validateApp(
      { id: 'a', cmd: 'x', residency: null, storeUrls: [], ipAddress: null, tty: false, executor: '//cmd', check: null, executorResources: null },
      limits,
      stamp,
    );
    expect(app.id).toBe('/a');
  });

  it('unsupported-fields - a field the schema also refuses is still named beside it', () => {
    const d = details({ id: 'a', cmd: 'x', cpus: 'many', residency: {} });
    expect(Object.keys(d).sort()).toEqual(['/cpus', '/residency']);
  });
});
