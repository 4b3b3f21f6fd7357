import { describe, expect, it } from 'vitest';
import { TEST_LIMITS as limits, TEST_STAMP as stamp, validationDetails } from '../test-support/validation.js';
import { validateApp } from './validate-app.js';

const base = {
  id: 'web',
  cmd: 'sleep 100',
  portDefinitions: [
    { port: 0, name: 'http' },
    { port: 0, name: 'admin' },
  ],
};

const details = (json: unknown, prefix = ''): Record<string, string[]> => validationDetails(json, { prefix });

describe('readiness check validation', () => {
  it('readiness-schema - fills Marathon defaults (name, protocol, path, 30 s interval, 10 s timeout, [200], no last response)', () => {
    const app = validateApp({ ...base, readinessChecks: [{ portName: 'http' }] }, limits, stamp);
    expect(app.readinessChecks).toEqual([
      {
        name: 'readinessCheck',
        protocol: 'HTTP',
        path: '/',
        portName: 'http',
        intervalSeconds: 30,
        timeoutSeconds: 10,
        httpStatusCodesForReady: [200],
        preserveLastResponse: false,
      },
    ]);
    expect(validateApp({ ...base }, limits, stamp).readinessChecks).toEqual([]);
    const full = {
      name: 'warm',
      protocol: 'HTTPS',
      path: '/ready',
      portName: 'admin',
      intervalSeconds: 2,
      timeoutSeconds: 1,
      httpStatusCodesForReady: [200, 204],
      preserveLastResponse: true,
    };
    expect(validateApp({ ...base, readinessChecks: [full] }, limits, stamp).readinessChecks).toEqual([full]);
  });

  it('readiness-schema - portName must name one of the portDefinitions (the default http-api too)', () => {
    expect(details({ ...base, readinessChecks: [{ portName: 'web' }] })['/readinessChecks/0/portName']?.[0]).toMatch(/portName "web".*http, admin/);
    expect(details({ ...base, readinessChecks: [{}] })['/readinessChecks/0/portName']?.[0]).toMatch(/"http-api"/);
    // `ports` has no names to refer to.
    expect(details({ id: 'web', cmd: 'x', ports: [0], readinessChecks: [{ portName: 'http' }] })['/readinessChecks/0/portName']?.[0]).toMatch(
      /no portDefinition has a name/,
    );
    // Inside a group document the pointer is placed under the app's path.
    expect(Object.keys(details({ ...base, readinessChecks: [{ portName: 'nope' }] }, '/apps/3'))).toEqual(['/apps/3/readinessChecks/0/portName']);
  });

  it('readiness-schema - bad fields are named: protocol, timeout not below the interval, status codes, path, count', () => {
    const d = details({
      ...base,
      readinessChecks: [
        { portName: 'http', protocol: 'TCP', intervalSeconds: 5, timeoutSeconds: 5, httpStatusCodesForReady: [200, 42], path: 'ready', name: '' },
      ],
    });
    expect(Object.keys(d).sort()).toEqual(['/readinessChecks/0/httpStatusCodesForReady/1', '/readinessChecks/0/name', '/readinessChecks/0/protocol']);
    expect(details({ ...base, readinessChecks: [{ portName: 'http', intervalSeconds: 5, timeoutSeconds: 5 }] })['/readinessChecks/0/timeoutSeconds']).toEqual([
      'must be smaller than intervalSeconds',
    ]);
    expect(details({ ...base, readinessChecks: [{ portName: 'http', path: 'ready' }] })['/readinessChecks/0/path']).toEqual(['must start with /']);
    expect(details({ ...base, readinessChecks: [{ portName: 'http', httpStatusCodesForReady: [] }] })['/readinessChecks/0/httpStatusCodesForReady']).toEqual([
      'must not be empty',
    ]);
    expect(details({ ...base, readinessChecks: [{ portName: 'http', timeoutSeconds: 0 }] })['/readinessChecks/0/timeoutSeconds']).toEqual(['must be > 0']);
    expect(details({ ...base, readinessChecks: [{ portName: 'http' }, { portName: 'admin' }] })['/readinessChecks']?.[0]).toMatch(/at most one/);
    expect(details({ ...base, readinessChecks: 'yes' })['/readinessChecks']).toBeDefined();
    expect(details({ ...base, readinessChecks: [{ portName: 'http', preserveLastResponse: 'yes' }] })['/readinessChecks/0/preserveLastResponse']).toEqual([
      'must be true or false',
    ]);
  });
});
