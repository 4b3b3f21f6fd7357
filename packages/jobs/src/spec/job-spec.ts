import { marathonDockerHostAccess } from '@tandem/framework-sdk';
import {
  envValueSchema,
  MAX_TASK_CPUS,
  MAX_TASK_DISK_MB,
  MAX_TASK_MEM_MB,
  MAX_TASK_URIS,
  reportBadEnvNames,
  secretsSchema,
  undefinedSecretRefs,
} from '@tandem/protocol';
import { z } from 'zod';
import { idSchema } from './job-id.js';
import { scheduleSpecSchema } from './schedule-spec.js';

export const DEFAULT_CPUS = 1;
export const DEFAULT_MEM = 128;
export const DEFAULT_DISK = 0;
export const DEFAULT_MAX_LAUNCH_DELAY_SECONDS = 3600;

export const RESTART_POLICIES = ['NEVER', 'ON_FAILURE'] as const;
export type RestartPolicy = (typeof RESTART_POLICIES)[number];
export const CONSTRAINT_OPERATORS = ['IS', 'EQ', 'LIKE', 'UNLIKE'] as const;

/** A URI an agent can fetch: http, https or file URLs, or an absolute path. */
function fetchableUri(uri: string): boolean {
  if (uri.startsWith('/')) return true;
  try {
    return ['http:', 'https:', 'file:'].includes(new URL(uri).protocol);
  } catch {
    return false;
  }
}

export const constraintSchema = z.strictObject({
  attribute: z.string({ error: 'is required' }).min(1, 'must not be empty'),
  operator: z.enum(CONSTRAINT_OPERATORS, { error: 'must be one of IS, EQ, LIKE, UNLIKE' }),
  value: z.string({ error: 'must be a string' }).optional(),
});

export const runSpecSchema = z
  .strictObject({
    cmd: z.string({ error: 'must be a string' }).min(1, 'must not be empty').optional(),
    args: z.array(z.string({ error: 'must be a string' }), { error: 'must be an array of strings' }).optional(),
    cpus: z
      .number({ error: 'must be a number' })
      .min(0.01, 'must be at least 0.01')
      .max(MAX_TASK_CPUS, `must be at most ${MAX_TASK_CPUS} (larger than any agent)`)
      .default(DEFAULT_CPUS),
    mem: z
      .number({ error: 'must be a number' })
      .min(32, 'must be at least 32 (MiB)')
      .max(MAX_TASK_MEM_MB, `must be at most ${MAX_TASK_MEM_MB} MiB (larger than any agent)`)
      .default(DEFAULT_MEM),
    disk: z
      .number({ error: 'must be a number' })
      .min(0, 'must not be negative')
      .max(MAX_TASK_DISK_MB, `must be at most ${MAX_TASK_DISK_MB} MiB (larger than any agent)`)
      .default(DEFAULT_DISK),
    gpus: z.number({ error: 'must be a number' }).max(0, 'GPUs are not supported by Tandem').min(0, 'must not be negative').optional(),
    docker: z
      .strictObject({
        image: z.string({ error: 'is required' }).min(1, 'must not be empty'),
        forcePullImage: z.boolean({ error: 'must be true or false' }).optional(),
        /** Refused by agents without --docker-allow privileged (TASK_ERROR naming the flag). */
        privileged: z.boolean({ error: 'must be true or false' }).optional(),
        /** Only the keys Tandem carries (DOCKER_PARAMETER_KEYS); any other is a 422 naming it. */
        parameters: z.array(z.unknown(), { error: 'must be an array of {"key": "...", "value": "..."}' }).optional(),
      })
      .optional(),
    env: z
      .record(z.string(), envValueSchema, { error: 'must be an object of strings or {"secret": ...}' })
      .superRefine((env, ctx) => reportBadEnvNames(env, (name, message) => ctx.addIssue({ code: 'custom', path: [name], message })))
      .default({}),
    /** Metronome's secrets: `{"<name>": {"source": "<file name in the agent's --secrets-dir>"}}`; only references are kept. */
    secrets: secretsSchema.default({}),
    placement: z.strictObject({ constraints: z.array(constraintSchema).default([]) }).optional(),
    maxLaunchDelay: z
      .number({ error: 'must be a number' })
      .int('must be a whole number of seconds')
      .min(1, 'must be at least 1')
      .default(DEFAULT_MAX_LAUNCH_DELAY_SECONDS),
    taskKillGracePeriodSeconds: z.number({ error: 'must be a number' }).min(0, 'must not be negative').optional(),
    restart: z
      .strictObject({
        policy: z.enum(RESTART_POLICIES, { error: 'must be NEVER or ON_FAILURE' }).default('NEVER'),
        activeDeadlineSeconds: z.number({ error: 'must be a number' }).int('must be a whole number').min(0, 'must not be negative').optional(),
      })
      .default({ policy: 'NEVER' }),
    user: z.string({ error: 'must be a string' }).optional(),
    /** Tandem: tasks of one run at once (as a Kubernetes Job). */
    parallelism: z.number({ error: 'must be a number' }).int('must be a whole number').min(1, 'must be at least 1').default(1),
    /** Tandem: tasks that must exit 0 for the run to succeed. */
    completions: z.number({ error: 'must be a number' }).int('must be a whole number').min(1, 'must be at least 1').default(1),
    /** Metronome's artifacts: fetched into the sandbox by the agent before the start (file URIs only under its --fetch-allow-dir). */
    artifacts: z
      .array(
        z.strictObject({
          uri: z
            .string({ error: 'is required' })
            .min(1, 'must not be empty')
            .refine(fetchableUri, 'must be an http://, https:// or file:// URL, or an absolute path'),
          executable: z.boolean({ error: 'must be true or false' }).default(false),
          extract: z.boolean({ error: 'must be true or false' }).default(true),
          cache: z.boolean({ error: 'must be true or false' }).default(false),
        }),
        { error: 'must be an array of {"uri": "..."}' },
      )
      .max(MAX_TASK_URIS, `at most ${MAX_TASK_URIS} artifacts`)
      .optional(),
    /** Host volumes `{containerPath, hostPath, mode}` (with docker.image); each agent's --docker-allow decides. */
    volumes: z.array(z.record(z.string(), z.unknown(), { error: 'must be an object' }), { error: 'must be an array' }).optional(),
  })
  .superRefine((run, ctx) => {
    if (run.cmd === undefined && run.args === undefined && run.docker === undefined) {
      ctx.addIssue({ code: 'custom', path: ['cmd'], message: 'give cmd or args (or docker.image to run its CMD)' });
    }
    if (run.cmd !== undefined && run.args !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['args'], message: 'give cmd or args, not both' });
    }
    if (run.args !== undefined && run.args.length === 0 && run.docker === undefined) {
      ctx.addIssue({ code: 'custom', path: ['args'], message: 'must not be empty without docker.image' });
    }
    for (const p of marathonDockerHostAccess(run, '').problems) {
      const path = p.path
        .split('/')
        .slice(1)
        .map((part) => (/^[0-9]+$/.test(part) ? Number(part) : part));
      for (const message of p.errors) ctx.addIssue({ code: 'custom', path, message });
    }
    for (const { name, message } of undefinedSecretRefs(run.env, run.secrets)) ctx.addIssue({ code: 'custom', path: ['env', name], message });
  });

export const dependencySchema = z.strictObject({ id: idSchema });

export const jobSpecSchema = z
  .strictObject({
    id: idSchema,
    description: z.string({ error: 'must be a string' }).optional(),
    labels: z.record(z.string(), z.string({ error: 'must be a string' }), { error: 'must be an object of strings' }).default({}),
    run: runSpecSchema,
    schedules: z.array(scheduleSpecSchema, { error: 'must be an array' }).optional(),
    dependencies: z.array(dependencySchema, { error: 'must be an array' }).optional(),
  })
  .superRefine((job, ctx) => {
    if ((job.schedules?.length ?? 0) > 0 && (job.dependencies?.length ?? 0) > 0) {
      ctx.addIssue({ code: 'custom', path: ['dependencies'], message: 'a job has schedules or dependencies, not both' });
    }
    const seen = new Set<string>();
    job.schedules?.forEach((s, i) => {
      if (seen.has(s.id)) ctx.addIssue({ code: 'custom', path: ['schedules', i, 'id'], message: `duplicate schedule id ${s.id}` });
      seen.add(s.id);
    });
    job.dependencies?.forEach((d, i) => {
      if (d.id === job.id) ctx.addIssue({ code: 'custom', path: ['dependencies', i, 'id'], message: 'a job cannot depend on itself' });
    });
  });

export type RunSpec = z.output<typeof runSpecSchema>;
export type Constraint = z.output<typeof constraintSchema>;
/** A job as stored: the spec without its schedules (they live under `schedules/`). */
export type JobSpec = Omit<z.output<typeof jobSpecSchema>, 'schedules'>;
export type JobSpecInput = z.output<typeof jobSpecSchema>;
