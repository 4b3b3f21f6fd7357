import { describe, expect, it } from 'vitest';
import { validationDetails as details, TEST_LIMITS as limits, TEST_STAMP as stamp } from '../test-support/validation.js';
import { agentHealthChecks } from './health-check-mapping.js';
import { validateApp } from './validate-app.js';

describe('validate app', () => {
  it('validate-app - fills Marathon defaults', () => {
    const app = validateApp({ id: 'web', cmd: 'sleep 100' }, limits, stamp);
    expect(app).toMatchObject({
      id: '/web',
      instances: 1,
      cpus: 1,
      mem: 128,
      disk: 0,
      requirePorts: false,
      backoffSeconds: 1,
      backoffFactor: 1.15,
      maxLaunchDelaySeconds: 300,
      killSelection: 'YOUNGEST_FIRST',
      upgradeStrategy: { minimumHealthCapacity: 1, maximumOverCapacity: 1 },
      unreachableStrategy: { inactiveAfterSeconds: 300, expungeAfterSeconds: 600 },
      role: '*',
      env: {},
      labels: {},
      constraints: [],
      portDefinitions: [{ port: 0, protocol: 'tcp' }],
    });
  });

  it('validate-app - folds ports into portDefinitions and resolves dependencies', () => {
    const app = validateApp({ id: '/g/web', cmd: 'x', ports: [0, 0], dependencies: ['db', '../other'] }, limits, stamp);
    expect(app.portDefinitions.map((p) => p.port)).toEqual([0, 0]);
    expect(app.dependencies).toEqual(['/g/db', '/other']);
  });

  it('validate-app - names every field at fault', () => {
    const d = details({ id: '..', cpus: -1, mem: 'lots', instances: 1.5, constraints: [['hostname', 'SOMETIMES']], healthChecks: [{ protocol: 'HTTPS' }] });
    expect(Object.keys(d).sort()).toEqual(['/constraints/0/1', '/cpus', '/healthChecks/0/protocol', '/instances', '/mem'].sort());
    expect(d['/cpus']?.[0]).toMatch(/> 0/);
  });

  it('validate-app - cross-field rules: ids, cmd/args, limits, privileged, host volumes', () => {
    expect(details({ id: '/a/../b', cmd: 'x' })['/id']?.[0]).toMatch(/\.\./);
    expect(details({ id: '', cmd: 'x' })['/id']).toBeDefined();
    expect(details({ id: 'a' })['/']).toBeDefined();
    expect(details({ id: 'a', cmd: 'x', args: ['y'] })['/']).toBeDefined();
    expect(details({ id: 'a', cmd: 'x', instances: 1e9 })['/instances']).toBeDefined();
    // Privileged and host volumes pass: each agent's Docker policy decides (docker-host-access.test.ts).
    expect(validateApp({ id: 'a', container: { docker: { image: 'i', privileged: true } } }, limits, stamp).container?.docker?.privileged).toBe(true);
    expect(
      details({ id: 'a', container: { docker: { image: 'i' }, volumes: [{ hostPath: '/', containerPath: '/x' }] } })['/container/volumes/0/mode']?.[0],
    ).toMatch(/RO or RW/);
    expect(details({ id: 'a', cmd: 'x', constraints: [['hostname', 'LIKE', '(']] })['/constraints/0/2']).toBeDefined();
    expect(details({ id: 'a', cmd: 'x', healthChecks: [{ protocol: 'HTTP', portIndex: 2 }] })['/healthChecks/0/portIndex']).toBeDefined();
  });

  it('validate-app - maps every health check to an agent check, in order; maxConsecutiveFailures 0 never counts out', () => {
    const app = validateApp(
      {
        id: 'a',
        cmd: 'x',
        portDefinitions: [{ port: 0 }, { port: 0 }],
        healthChecks: [
          { protocol: 'HTTP', path: '/a' },
          { protocol: 'MESOS_TCP', portIndex: 1, maxConsecutiveFailures: 0 },
        ],
      },
      limits,
      stamp,
    );
    const checks = agentHealthChecks(app);
    expect(checks.map((c) => [c.type, c.portIndex, c.path])).toEqual([
      ['HTTP', 0, '/a'],
      ['TCP', 1, ''],
    ]);
    expect(checks.every((c) => c.reportOnly)).toBe(true);
    expect(checks[0]?.consecutiveFailures).toBe(3);
    expect(checks[1]?.consecutiveFailures).toBe(0xffff_ffff);
  });

  it('validate-app - maps the first supported health check to the agent check', () => {
    const app = validateApp(
      { id: 'a', cmd: 'x', healthChecks: [{ protocol: 'MESOS_HTTP', path: '/health', intervalSeconds: 2, gracePeriodSeconds: 5, maxConsecutiveFailures: 2 }] },
      limits,
      stamp,
    );
    expect(agentHealthChecks(app)[0]).toMatchObject({
      type: 'HTTP',
      path: '/health',
      intervalSeconds: 2,
      gracePeriodSeconds: 5,
      consecutiveFailures: 2,
      portIndex: 0,
    });
    const cmd = validateApp({ id: 'a', cmd: 'x', healthChecks: [{ protocol: 'COMMAND', command: { value: 'true' } }] }, limits, stamp);
    expect(agentHealthChecks(cmd)[0]?.command?.value).toBe('true');
  });
});
