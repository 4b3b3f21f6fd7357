import { describe, expect, it } from 'vitest';
import type { JobRun } from '../core/job-run.js';
import { runTaskSpec } from '../core/run-task-spec.js';
import { jobSpecSchema } from './job-spec.js';
import { SpecError } from './spec-error.js';
import { validate } from './validate.js';

const details = (body: unknown): { path: string; errors: string[] }[] => {
  try {
    validate(jobSpecSchema, body);
  } catch (err) {
    if (err instanceof SpecError) return err.details;
    throw err;
  }
  throw new Error('expected a SpecError');
};

describe('job secrets', () => {
  it('job secrets - run.secrets and run.env {secret} are kept as given and reach the task as references to the source', () => {
    const job = validate(jobSpecSchema, {
      id: 'backup',
      run: { cmd: 'env', env: { DB_PASS: { secret: 'db' }, A: '1' }, secrets: { db: { source: 'db-password' } } },
    });
    expect(job.run.env).toEqual({ DB_PASS: { secret: 'db' }, A: '1' });
    expect(job.run.secrets).toEqual({ db: { source: 'db-password' } });
    const spec = runTaskSpec({ jobId: 'backup', id: 'r1', spec: job.run } as unknown as JobRun, 0, 0);
    expect(spec.env).toMatchObject({ DB_PASS: { secret: 'db-password' }, A: '1' });
  });

  it('job secrets - an undefined secret and a bad source are refused naming the field', () => {
    const undefinedRef = details({ id: 'a', run: { cmd: 'env', env: { DB_PASS: { secret: 'nope' } } } });
    expect(undefinedRef.find((d) => d.path === '/run/env/DB_PASS')?.errors[0]).toMatch(/references an undefined secret "nope"/);
    const badSource = details({ id: 'a', run: { cmd: 'env', secrets: { db: { source: '../x' } } } });
    expect(badSource.map((d) => d.path)).toContain('/run/secrets/db/source');
  });
});
