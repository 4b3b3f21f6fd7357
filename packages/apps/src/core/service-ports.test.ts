import { ValidationError } from '@tandem/protocol';
import { describe, expect, it } from 'vitest';
import type { AppDefinition } from '../app/app-definition.js';
import { validateApp } from '../app/validate-app.js';
import { resolveAppsOptions } from '../options.js';
import { portEnv } from './port-env.js';
import { assignServicePorts } from './service-ports.js';

const limits = { maxInstances: 100 };
const stamp = { version: 'v', versionInfo: { lastScalingAt: 'v', lastConfigChangeAt: 'v' } };
const app = (id: string, ports: (number | { port: number; name?: string })[]): AppDefinition =>
  validateApp({ id, cmd: 'x', portDefinitions: ports.map((p) => (typeof p === 'number' ? { port: p } : p)) }, limits, stamp);
const range = { min: 10_000, max: 10_005 };
const portsOf = (m: Map<string, AppDefinition | undefined>, id: string): number[] => m.get(id)?.portDefinitions.map((p) => p.port) ?? [];

function problem(fn: () => unknown): { path: string; errors: string[] } | undefined {
  try {
    fn();
  } catch (err) {
    if (err instanceof ValidationError) return err.details[0];
    throw err;
  }
  return undefined;
}

describe('service ports', () => {
  it('service-ports - port 0 gets the lowest free port of [min, max), unique across apps; explicit ports are kept and never handed out', () => {
    const current = new Map([['/x', app('/x', [10_000])]]);
    const targets = new Map<string, AppDefinition | undefined>([
      ['/b', app('/b', [0, 0])],
      ['/a', app('/a', [0, 10_002, 0])],
      ['/c', app('/c', [8080])],
    ]);
    const out = assignServicePorts(current, targets, { min: 10_000, max: 10_010 });
    // In id order: /a first. 10000 (app /x) and 10002 (/a's own explicit port) are taken.
    expect(portsOf(out, '/a')).toEqual([10_001, 10_002, 10_003]);
    expect(portsOf(out, '/b')).toEqual([10_004, 10_005]);
    expect(portsOf(out, '/c')).toEqual([8080]);
    expect(out.get('/x')).toBeUndefined(); // untouched apps are not in the result
  });

  it('service-ports - the range used up is a 422 naming the port; nothing is half assigned', () => {
    const targets = new Map<string, AppDefinition | undefined>([
      ['/a', app('/a', [0, 0])],
      ['/b', app('/b', [0, 0, 0, 0])],
    ]);
    expect(problem(() => assignServicePorts(new Map(), targets, range))).toEqual({
      path: '/portDefinitions/3/port',
      errors: ['/b: all service ports in the range [10000-10005) are already in use'],
    });
  });

  it('service-ports - a new version keeps the ports of the previous one (in order), a port freed by an explicit one is reused', () => {
    const prev = { ...app('/a', [10_003, 10_001]) };
    const current = new Map([
      ['/a', prev],
      ['/other', app('/other', [10_000])],
    ]);
    expect(portsOf(assignServicePorts(current, new Map([['/a', app('/a', [0, 0])]]), range), '/a')).toEqual([10_003, 10_001]);
    // One more port: the two kept, the third the lowest free.
    expect(portsOf(assignServicePorts(current, new Map([['/a', app('/a', [0, 0, 0])]]), range), '/a')).toEqual([10_003, 10_001, 10_002]);
    // An explicit port takes one of them: the other is kept for the 0.
    expect(portsOf(assignServicePorts(current, new Map([['/a', app('/a', [10_001, 0])]]), range), '/a')).toEqual([10_001, 10_003]);
    // Deleting an app in the same change does not free its ports for others in that change.
    const out = assignServicePorts(
      current,
      new Map<string, AppDefinition | undefined>([
        ['/other', undefined],
        ['/new', app('/new', [0])],
      ]),
      range,
    );
    expect(portsOf(out, '/new')).toEqual([10_002]);
    expect(out.has('/other') && out.get('/other')).toBe(undefined);
  });

  it('service-ports - explicit ports given twice in one app, or port names given twice, are refused as in Marathon', () => {
    expect(problem(() => app('/a', [10_001, 10_001]))).toEqual({ path: '/portDefinitions', errors: ['Ports must be unique (10001 given more than once).'] });
    expect(problem(() => validateApp({ id: '/a', cmd: 'x', ports: [80, 80, 0, 0] }, limits, stamp))?.path).toBe('/ports');
    expect(problem(() => app('/a', [0, 0]))).toBeUndefined();
    expect(
      problem(() =>
        app('/a', [
          { port: 0, name: 'web' },
          { port: 0, name: 'web' },
        ]),
      ),
    ).toEqual({ path: '/portDefinitions', errors: ['Port names must be unique.'] });
  });

  it('service-ports - env as Marathon: PORTS, PORT_<service port> and PORT_<NAME> are the host ports', () => {
    const a = app('/a', [{ port: 10_001, name: 'http' }, { port: 10_002 }]);
    expect(portEnv(a, [31_005, 31_009])).toEqual({ PORTS: '31005,31009', PORT_10001: '31005', PORT_HTTP: '31005', PORT_10002: '31009' });
    expect(portEnv(a, [])).toEqual({});
  });

  it('service-ports - the range option is checked, naming it', () => {
    const o = { master: 'm:1', store: undefined as never };
    expect(resolveAppsOptions(o)).toMatchObject({ localPortMin: 10_000, localPortMax: 20_000 });
    expect(() => resolveAppsOptions({ ...o, localPortMin: 0 })).toThrow(/localPortMin/);
    expect(() => resolveAppsOptions({ ...o, localPortMin: 5000, localPortMax: 5000 })).toThrow(/localPortMax: must be greater than localPortMin/);
    expect(() => resolveAppsOptions({ ...o, localPortMax: 70_000 })).toThrow(/localPortMax/);
  });
});
