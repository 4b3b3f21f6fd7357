import type { Offer } from '@tandem/protocol';
import { Resources } from '@tandem/protocol';
import { describe, expect, it } from 'vitest';
import { validateApp } from '../app/validate-app.js';
import { fitInstance, usableResources } from './offer-fit.js';

const stamp = { version: 'v', versionInfo: { lastScalingAt: 'v', lastConfigChangeAt: 'v' } };
const app = (json: object) => validateApp({ id: 'a', cmd: 'x', ...json }, { maxInstances: 100 }, stamp);
const offer = (res: string, hostname = 'h1', role = ''): Offer => ({
  id: 'o1',
  frameworkId: 'f',
  agentId: 'a1',
  hostname,
  attributes: [],
  unavailability: null,
  resources: Resources.parse(res)
    .toWire()
    .map((r) => ({ scalar: 0, ranges: null, value: r.ranges ? 'ranges' : 'scalar', ...r, role })) as Offer['resources'],
});

describe('offer fit', () => {
  it('offer-fit - takes cpus, mem and ports from the offer', () => {
    const a = app({ cpus: 0.5, mem: 64, ports: [0, 0] });
    const o = offer('cpus:1;mem:128;ports:[31000-31005]');
    const fit = fitInstance(a, o, usableResources(a, o), []);
    expect(fit).toMatchObject({ ok: true, ports: [31000, 31001] });
  });

  it('offer-fit - says which resources are short, and why constraints fail', () => {
    const a = app({ cpus: 2, mem: 4096, ports: [0], constraints: [['hostname', 'IS', 'elsewhere']] });
    const o = offer('cpus:1;mem:128');
    const fit = fitInstance(a, o, usableResources(a, o), []);
    expect(fit.ok).toBe(false);
    if (!fit.ok) {
      expect(fit.reasons).toEqual(['InsufficientCpus', 'InsufficientMemory', 'InsufficientPorts', 'UnfulfilledConstraint']);
      expect(fit.details.join('\n')).toMatch(/cpus: needs 2, the offer has 1/);
    }
  });

  it('offer-fit - requirePorts takes exactly the declared ports; roles filter resources', () => {
    const a = app({ requirePorts: true, portDefinitions: [{ port: 31003 }], cpus: 0.1, mem: 1 });
    const o = offer('cpus:1;mem:128;ports:[31000-31005]');
    expect(fitInstance(a, o, usableResources(a, o), [])).toMatchObject({ ok: true, ports: [31003] });
    const reserved = offer('cpus:1;mem:128', 'h1', 'other');
    const b = app({ cpus: 0.1, mem: 1, ports: [] });
    expect(fitInstance(b, reserved, usableResources(b, reserved), [])).toMatchObject({
      ok: false,
      reasons: ['UnfulfilledRole', 'InsufficientCpus', 'InsufficientMemory'],
    });
  });
});
