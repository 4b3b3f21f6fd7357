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

describe('job spec', () => {
  it('job spec - fills Metronome defaults', () => {
    const job = validate(jobSpecSchema, { id: 'prod.example-app', run: { cmd: 'echo hi' } });
    expect(job.run).toMatchObject({ cpus: 1, mem: 128, disk: 0, maxLaunchDelay: 3600, restart: { policy: 'NEVER' }, parallelism: 1, completions: 1 });
    expect(job.labels).toEqual({});
  });

  it('job spec - bad ids are refused with the /id path', () => {
    for (const id of ['', 'a/b', 'a..b', 'UPPER', '-lead', 'trail-', 'a_b', 'x'.repeat(101)]) {
      expect(details({ id, run: { cmd: 'true' } }).map((d) => d.path)).toContain('/id');
    }
    expect(details({ run: { cmd: 'true' } })[0]?.path).toBe('/id');
  });

  it('job spec - negative resources name their field', () => {
    const d = details({ id: 'a', run: { cmd: 'true', cpus: -1, mem: 10, disk: -5 } });
    expect(d.map((x) => x.path).sort()).toEqual(['/run/cpus', '/run/disk', '/run/mem']);
    expect(d.find((x) => x.path === '/run/cpus')?.errors[0]).toMatch(/at least 0.01/);
  });

  it('job spec - schedules: bad cron and unknown time zone', () => {
    const d = details({ id: 'a', run: { cmd: 'true' }, schedules: [{ id: 's', cron: '61 * * * *', timezone: 'Mars/Olympus' }] });
    expect(d.find((x) => x.path === '/schedules/0/cron')?.errors[0]).toMatch(/invalid cron expression/);
    expect(d.find((x) => x.path === '/schedules/0/timezone')?.errors[0]).toMatch(/IANA/);
    expect(details({ id: 'a', run: { cmd: 'true' }, schedules: [{ id: 's', cron: '* * * * * *' }] })[0]?.path).toBe('/schedules/0/cron');
  });

  it('job spec - a command is required, unknown fields and bad policies refused', () => {
    expect(details({ id: 'a', run: {} })[0]?.path).toBe('/run/cmd');
    expect(details({ id: 'a', run: { cmd: 'x', restart: { policy: 'ALWAYS' } } })[0]?.path).toBe('/run/restart/policy');
    expect(details({ id: 'a', run: { cmd: 'x' }, bogus: 1 })[0]?.path).toBe('/');
    expect(details({ id: 'a', run: { cmd: 'x', parallelism: 0 } })[0]?.path).toBe('/run/parallelism');
  });

  it('job spec - run.volumes and run.docker privileged/parameters are kept for the agent to decide; what Tandem cannot carry is named', () => {
    const run = {
      cmd: 'cat /in/x',
      docker: { image: 'busybox', privileged: true, parameters: [{ key: 'cap-add', value: 'NET_ADMIN' }] },
      volumes: [{ containerPath: '/in', hostPath: '/srv/in', mode: 'RO' }],
    };
    const job = validate(jobSpecSchema, { id: 'a', run });
    expect(runTaskSpec({ jobId: 'a', id: 'r1', spec: job.run } as JobRun, 0, 0).docker).toEqual({
      privileged: true,
      capAdd: ['NET_ADMIN'],
      volumes: [{ hostPath: '/srv/in', containerPath: '/in', mode: 'RO' }],
    });
    expect(details({ id: 'a', run: { ...run, docker: { image: 'busybox', parameters: [{ key: 'net', value: 'host' }] } } })).toEqual([
      {
        path: '/run/docker/parameters/0/key',
        errors: [
          'docker parameter "net" is not supported (supported: cap-add, pid, ipc, device, runtime, volume, v, label, l, env, e, user, u, workdir, w, hostname, h, memory-swappiness, shm-size, ulimit, init, read-only)',
        ],
      },
    ]);
    expect(details({ id: 'a', run: { ...run, volumes: [{ containerPath: 'in', hostPath: '/srv', mode: 'RW' }] } })[0]?.path).toBe(
      '/run/volumes/0/containerPath',
    );
    expect(details({ id: 'a', run: { cmd: 'x', volumes: run.volumes } })[0]).toEqual({
      path: '/run/docker/image',
      errors: ['host volumes and docker parameters need a Docker image'],
    });
  });

  it('job spec - schedules and dependencies are exclusive; no self-dependency', () => {
    expect(details({ id: 'a', run: { cmd: 'x' }, schedules: [{ id: 's', cron: '* * * * *' }], dependencies: [{ id: 'b' }] })[0]?.path).toBe('/dependencies');
    expect(details({ id: 'a', run: { cmd: 'x' }, dependencies: [{ id: 'a' }] })[0]?.path).toBe('/dependencies/0/id');
  });
});
