import { z } from 'zod';
import { cronError, isValidTimezone } from './cron.js';
import { idSchema } from './job-id.js';

export const DEFAULT_TIMEZONE = 'UTC';
/** Metronome's default: a run may start up to 15 minutes after its instant. */
export const DEFAULT_STARTING_DEADLINE_SECONDS = 900;

export const CONCURRENCY_POLICIES = ['ALLOW', 'FORBID'] as const;
export type ConcurrencyPolicy = (typeof CONCURRENCY_POLICIES)[number];

/** Metronome's schedule spec (`schedulespec.schema.json`). */
export const scheduleSpecSchema = z.strictObject({
  id: idSchema,
  cron: z.string({ error: 'is required and must be a string' }).superRefine((value, ctx) => {
    const err = cronError(value);
    if (err) ctx.addIssue({ code: 'custom', message: `invalid cron expression: ${err}` });
  }),
  timezone: z
    .string({ error: 'must be a string' })
    .refine(isValidTimezone, { message: 'must be an IANA time zone such as UTC or Europe/Berlin' })
    .default(DEFAULT_TIMEZONE),
  startingDeadlineSeconds: z
    .number({ error: 'must be a number' })
    .int('must be a whole number of seconds')
    .min(1, 'must be at least 1')
    .default(DEFAULT_STARTING_DEADLINE_SECONDS),
  concurrencyPolicy: z.enum(CONCURRENCY_POLICIES, { error: 'must be ALLOW or FORBID' }).default('ALLOW'),
  enabled: z.boolean({ error: 'must be true or false' }).default(true),
  /** Output only; accepted (and ignored) so a GET result can be PUT back. */
  nextRunAt: z.string().optional(),
});

export type ScheduleSpec = Omit<z.output<typeof scheduleSpecSchema>, 'nextRunAt'>;
