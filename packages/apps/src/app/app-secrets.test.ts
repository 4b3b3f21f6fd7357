import { describe, expect, it } from 'vitest';
import type { Instance } from '../core/instance.js';
import { buildTask } from '../core/task-builder.js';
import { validationDetails as details, TEST_LIMITS as limits, TEST_STAMP as stamp } from '../test-support/validation.js';
import { type AppDefinition, isConfigChange } from './app-definition.js';
import { validateApp } from './validate-app.js';

describe('app secrets', () => {
  it('app secrets - Marathon secrets and env references are kept as given and become EnvVar secret references', () => {
    const app = validateApp(
      { id: 'db-client', cmd: 'env', env: { DB_PASS: { secret: 'db' }, MODE: 'prod' }, secrets: { db: { source: 'db-password' }, unused: { source: 'x' } } },
      limits,
      stamp,
    );
    expect(app.env).toEqual({ DB_PASS: { secret: 'db' }, MODE: 'prod' });
    expect(app.secrets).toEqual({ db: { source: 'db-password' }, unused: { source: 'x' } });
    const instance = { instanceId: 'i1', appId: app.id, taskId: 'db-client.t1', agentId: 'a1', ports: [], appVersion: app.version } as unknown as Instance;
    const env = buildTask(app, instance).command?.environment ?? [];
    expect(env).toContainEqual({ name: 'DB_PASS', secret: 'db-password' });
    expect(env).toContainEqual({ name: 'MODE', value: 'prod' });
    expect(env.filter((v) => 'secret' in v)).toHaveLength(1);
  });

  it('app secrets - an env referencing an undefined secret, a bad source and a bad env value are 422s naming the field', () => {
    expect(details({ id: 'a', cmd: 'env', env: { DB_PASS: { secret: 'nope' } } })['/env/DB_PASS']?.[0]).toMatch(/references an undefined secret "nope"/);
    for (const source of ['../etc/passwd', 'a/b', '..', '', 'sp ace']) {
      expect(details({ id: 'a', cmd: 'env', secrets: { db: { source } } })).toHaveProperty(['/secrets/db/source']);
    }
    expect(details({ id: 'a', cmd: 'env', secrets: { db: {} } })).toHaveProperty(['/secrets/db/source']);
    expect(details({ id: 'a', cmd: 'env', secrets: { db: { source: 'x', extra: 1 } } })).toHaveProperty(['/secrets/db']);
    expect(Object.keys(details({ id: 'a', cmd: 'env', env: { X: 3 } }))).toEqual(['/env/X']);
    expect(Object.keys(details({ id: 'a', cmd: 'env', env: { X: { secret: 'db', other: 1 } }, secrets: { db: { source: 'x' } } }))[0]).toMatch(/^\/env\/X/);
  });

  it('app secrets - an app stored before secrets existed (no field) is the same config as with secrets: {}', () => {
    const app = validateApp({ id: 'old', cmd: 'sleep 100', env: { A: '1' } }, limits, stamp);
    const { secrets: _s, ...stored } = app;
    expect(isConfigChange(stored as AppDefinition, app)).toBe(false);
    const withSecret = validateApp({ id: 'old', cmd: 'sleep 100', env: { A: '1' }, secrets: { s: { source: 'x' } } }, limits, stamp);
    expect(isConfigChange(stored as AppDefinition, withSecret)).toBe(true);
  });
});
