import { readFileSync } from 'node:fs';
import { join } from 'node:path';

// Metronome's response shapes for the contract test. The job and schedule specs and /info
// come from Metronome's published schemas (vendored in upstream/metronome, see its README);
// what Metronome writes beyond them is written here from its play-json writers
// (api/src/main/scala/dcos/metronome/api/v1/models/package.scala and api/ErrorDetail.scala),
// each schema naming the writer it follows. Every object is closed: a key Metronome does
// not write fails the test.

type Schema = Record<string, unknown>;

const UPSTREAM = join(import.meta.dirname, 'upstream', 'metronome');

/**
 * A vendored schema without `$schema`/`$id` (ajv does not know the draft they name) and with
 * its `#/definitions/...` references put in place, so it can be nested in another schema.
 */
export function upstream(file: string): Schema {
  const { $schema: _s, $id: _i, definitions = {}, ...schema } = JSON.parse(readFileSync(join(UPSTREAM, file), 'utf8')) as Schema;
  const inline = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(inline);
    if (node === null || typeof node !== 'object') return node;
    const { $ref, ...rest } = node as Schema;
    const target = typeof $ref === 'string' ? (definitions as Schema)[$ref.replace('#/definitions/', '')] : undefined;
    const out: Schema = { ...((target as Schema | undefined) ?? {}) };
    for (const [k, v] of Object.entries(rest)) out[k] = inline(v);
    return out;
  };
  return inline(schema) as Schema;
}

/** Every object that lists its `properties` and says nothing of others gets `additionalProperties: false`. */
export function closed(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(closed);
  if (schema === null || typeof schema !== 'object') return schema;
  const out: Schema = {};
  for (const [k, v] of Object.entries(schema)) out[k] = closed(v);
  if ('properties' in out && !('patternProperties' in out) && (out.additionalProperties === undefined || out.additionalProperties === true)) {
    out.additionalProperties = false;
  }
  return out;
}

const str = { type: 'string' };
/** Metronome's DateTimeFormat: `yyyy-MM-dd'T'HH:mm:ss.SSSZ` (2016-07-15T13:02:59.735+0000). */
const TIME = '^\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}[+-]\\d{4}$';
const time = { type: 'string', pattern: TIME };
const nullableTime = { type: ['string', 'null'], pattern: TIME };
const int = { type: 'integer', minimum: 0 };

function object(properties: Schema, required: string[] = Object.keys(properties)): Schema {
  return { type: 'object', additionalProperties: false, properties, required };
}

/** JobRunTaskFormat (Json.format[JobRunTask]): completedAt only once the task ended. */
export const taskSchema = object({ id: str, startedAt: time, completedAt: time, status: str }, ['id', 'startedAt', 'status']);

/** JobRunWrites: completedAt is null until the run ends. */
export const runSchema = object({
  id: str,
  jobId: str,
  status: { enum: ['INITIAL', 'STARTING', 'ACTIVE', 'SUCCESS', 'FAILED'] },
  createdAt: time,
  completedAt: nullableTime,
  tasks: { type: 'array', items: taskSchema },
});

/** JobRunInfoWrites (Json.writes[JobRunInfo]). */
const finishedRunSchema = object({ id: str, createdAt: time, finishedAt: time, tasks: { type: 'array', items: str } });

/** JobHistorySummaryWrites. */
export const historySummarySchema = object({ successCount: int, failureCount: int, lastSuccessAt: nullableTime, lastFailureAt: nullableTime });

/** JobHistoryWrites. */
export const historySchema = object({
  successCount: int,
  failureCount: int,
  lastSuccessAt: nullableTime,
  lastFailureAt: nullableTime,
  successfulFinishedRuns: { type: 'array', items: finishedRunSchema },
  failedFinishedRuns: { type: 'array', items: finishedRunSchema },
});

/** ScheduleSpecFormat's writer: the spec (`timezone`, as it reads it) plus `nextRunAt`. */
export function scheduleSchema(): Schema {
  const base = closed(upstream('schedulespec.schema.json')) as Schema;
  const { timeZone: _tz, ...properties } = base.properties as Schema;
  return {
    ...base,
    properties: { ...properties, timezone: str, nextRunAt: time },
    required: ['id', 'cron', 'timezone', 'startingDeadlineSeconds', 'concurrencyPolicy', 'enabled'],
  };
}

/** JobInfoWrites (Json.writes[JobInfo]): the spec with the embeds asked for (the schema's own `schedules` key is where they go). */
export function jobSchema(): Schema {
  const base = closed(upstream('jobspec.schema.json')) as Schema;
  const props = base.properties as Schema;
  const run = props.run as Schema;
  return {
    ...base,
    properties: {
      ...props,
      // RunSpecFormat writes its defaults: these are always there.
      run: { ...run, required: ['cpus', 'mem', 'disk', 'env', 'placement', 'artifacts', 'maxLaunchDelay', 'volumes', 'restart', 'secrets'] },
      schedules: { type: 'array', items: scheduleSchema() },
      activeRuns: { type: 'array', items: runSchema },
      history: historySchema,
      historySummary: historySummarySchema,
    },
    required: ['id', 'labels', 'run'],
  };
}

/** JobSpecWithScheduleFormat (v0): the job with its schedules, always present. */
export function scheduledJobSchema(): Schema {
  const base = closed(upstream('jobspec_v0.schema.json')) as Schema;
  const props = base.properties as Schema;
  // The v0 writer writes the v1 RunSpecFormat (so docker's privileged and parameters, secrets,
  // taskKillGracePeriodSeconds): the run part is the v1 schema's.
  const v1Run = ((closed(upstream('jobspec.schema.json')) as Schema).properties as Schema).run;
  return {
    ...base,
    properties: { ...props, run: v1Run, schedules: { type: 'array', items: scheduleSchema() } },
    required: ['id', 'labels', 'schedules', 'run'],
  };
}

/** The info schema closed, both keys required (MetronomeInfoWrites writes both). */
export function infoSchema(): Schema {
  return { ...(closed(upstream('info.schema.json')) as Schema), required: ['version', 'libVersion'] };
}

/** QueuedJobRunMapWrites. */
export const queueSchema = { type: 'array', items: object({ jobId: str, runs: { type: 'array', items: object({ runId: str }) } }) };

/** ErrorDetail, UnknownJob, UnknownSchedule, UnknownJobRun, JsErrorWrites. */
export const errorSchemas = {
  message: object({ message: str }),
  unknownJob: object({ id: str, message: { const: 'Job not found' } }),
  unknownSchedule: object({ id: str, message: { const: 'Schedule not found' } }),
  unknownRun: object({ jobSpec: str, id: str, message: { const: 'Job Run not found' } }),
  invalid: object({
    message: { const: 'Object is not valid' },
    details: { type: 'array', minItems: 1, items: object({ path: str, errors: { type: 'array', minItems: 1, items: str } }) },
  }),
};

/** Dropwizard's metrics JSON (what ApplicationController.showMetrics writes). */
export const metricsSchema = object({
  version: str,
  gauges: { type: 'object', additionalProperties: object({ value: { type: 'number' } }) },
  counters: { type: 'object', additionalProperties: object({ count: { type: 'number' } }) },
  histograms: { type: 'object' },
  meters: { type: 'object' },
  timers: { type: 'object' },
});
