import type { IncomingMessage, RequestListener } from 'node:http';
import {
  type Acls,
  acceptJsonBodies,
  allowCors,
  Code,
  DEFAULT_MAX_BODY_BYTES,
  errorReply,
  fastifyServerOptions,
  HttpAclGuard,
  type HttpAuth,
  httpStatusOf,
  type Logger,
  limitHttpRate,
  METRONOME_STATUS,
  OPEN_PATHS,
  type RateLimit,
  requireHttpAuth,
  SseStreams,
  TandemError,
  type TlsFiles,
} from '@tandem/protocol';
import Fastify from 'fastify';
import { metronomeRunView, runView, scheduleView } from '../core/run-view.js';
import { type JobSpecInput, jobSpecSchema } from '../spec/job-spec.js';
import { scheduleSpecSchema } from '../spec/schedule-spec.js';
import { SpecError } from '../spec/spec-error.js';
import { validate } from '../spec/validate.js';
import { historyView, jobView, metronomeJob, parseEmbeds, scheduledJobView } from './job-view.js';
import type { JobsApi } from './jobs-api.js';
import { dropwizardMetrics, prefersPrometheus } from './metrics-json.js';
import { MetronomeError, orNotFound } from './metronome-errors.js';

export const JOBS_API_VERSION = '0.1.0';
/** The Metronome release whose v1 API this one follows (`/info`'s version). */
export const METRONOME_API_VERSION = '0.6.66';
/** The Marathon library that Metronome release was built on (`/info`'s libVersion). */
export const MARATHON_LIB_VERSION = '1.9.109';

export interface JobsServer {
  port: number;
  /** `host:port` clients reach the API at (named by `/info` and `/v1/leader`). */
  address: string;
  /** The API as a request handler: what an embedding server (the HA front) hands its requests to. */
  handler: RequestListener;
  close(): Promise<void>;
}

export interface JobsServerOptions {
  port: number;
  host: string;
  logger: Logger;
  maxBodyBytes?: number;
  /** Requests per principal (per IP address when anonymous); more are 429. `false`: no limit. @default DEFAULT_HTTP_RATE_LIMIT */
  httpRateLimit?: RateLimit | false | undefined;
  /** Credentials every path but `/ping` requires. @default none: the API is open */
  httpAuth?: HttpAuth;
  /** Serve HTTPS only, with these files. @default plaintext */
  tls?: TlsFiles;
  /** Origins allowed cross-origin requests. @default none: CORS off */
  corsOrigins?: readonly string[];
  /** ACLs: `run_jobs` on the job id of every change, `view` on `viewObject` for reads. @default none */
  acls?: Acls;
  /** The object of `view` (the framework's principal, or its name). @default 'tandem-jobs' */
  viewObject?: string;
  /** @default host:port (127.0.0.1 for 0.0.0.0) */
  advertisedAddress?: string;
  /** Ready the routes without listening (another server, on `port`, hands requests to `handler`). @default false */
  embed?: boolean;
}

type JobParams = { Params: { id: string }; Querystring: Record<string, unknown> };
type RunParams = { Params: { id: string; runId: string }; Querystring: Record<string, unknown> };
type ScheduleParams = { Params: { id: string; scheduleId: string } };

/**
 * The REST API, following Metronome's v1 API; plus `/v1/events` (Server-Sent Events of run
 * changes) and `/v1/leader` (Marathon's shape, which Metronome lacks: `{"leader": "host:port"}`).
 */
export async function startJobsServer(fw: JobsApi, options: JobsServerOptions): Promise<JobsServer> {
  const bodyLimit = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const app = Fastify(fastifyServerOptions({ logger: false, forceCloseConnections: true, bodyLimit }, options.tls));
  const streams = new SseStreams();
  allowCors(app, options.corsOrigins);
  requireHttpAuth(app, options.httpAuth, options.logger);
  // After authentication (the principal keys the bucket): requests over the rate are 429; /ping is exempt.
  limitHttpRate(app, { ...(options.httpRateLimit === undefined ? {} : { rate: options.httpRateLimit }), logger: options.logger });
  const acl = new HttpAclGuard(options.acls, options.logger);
  if (acl.enabled) {
    const object = options.viewObject ?? 'tandem-jobs';
    app.addHook('preHandler', async (req) => {
      if ((req.method === 'GET' || req.method === 'HEAD') && !OPEN_PATHS.has(req.url.split('?')[0] ?? '/')) acl.check(req.raw, 'view', [object]);
    });
  }
  /** `run_jobs` on a job id (403 naming the rule, before anything changes). */
  const mayRun = (req: { raw: IncomingMessage }, id: string): void => acl.check(req.raw, 'run_jobs', [id]);
  acceptJsonBodies(app);
  app.setErrorHandler((err, _req, reply) => {
    if (err instanceof MetronomeError) return reply.code(httpStatusOf(err.code, METRONOME_STATUS)).send(err.body);
    const { status, body } = errorReply(err, { overrides: METRONOME_STATUS, bodyLimit });
    if (status >= 500) options.logger.error({ err }, 'jobs API error');
    return reply.code(status).send(body);
  });

  app.get('/ping', async (_req, reply) => reply.type('text/plain').send('pong'));
  // Known once listening (a port 0 is chosen then).
  let address = options.advertisedAddress ?? '';
  // Metronome's /info is {version, libVersion}; Tandem's leadership fields with ?embed=tandem.
  app.get<{ Querystring: Record<string, unknown> }>('/info', async (req) => ({
    version: METRONOME_API_VERSION,
    libVersion: MARATHON_LIB_VERSION,
    ...(parseEmbeds(req.query.embed).has('tandem')
      ? { tandemVersion: JOBS_API_VERSION, frameworkId: fw.frameworkId ?? null, elected: true, leader: address }
      : {}),
  }));
  app.get('/v1/leader', async () => ({ leader: address }));
  app.get('/v1/metrics', async (req, reply) => {
    if (prefersPrometheus(req.headers.accept)) return reply.type(fw.metrics.registry.contentType).send(await fw.metrics.registry.metrics());
    return dropwizardMetrics(fw.metrics.registry);
  });
  app.get('/v1/metrics/prometheus', async (_req, reply) => reply.type(fw.metrics.registry.contentType).send(await fw.metrics.registry.metrics()));
  // Prometheus' default scrape path, as on the master, the agent and the apps framework (Prometheus text only).
  app.get('/metrics', async (_req, reply) => reply.type(fw.metrics.registry.contentType).send(await fw.metrics.registry.metrics()));
  app.get('/v1/queue', async () => fw.queue());

  /** The job, or Metronome's 404. */
  const jobOf = (id: string) => fw.getJob(id) ?? fail(MetronomeError.unknownJob(id));
  const tandemOf = (query: Record<string, unknown>) => parseEmbeds(query.embed).has('tandem');
  const runJson = (query: Record<string, unknown>) => (tandemOf(query) ? runView : metronomeRunView);
  /** `create`: a job with this id exists -> Metronome's 409. */
  const create = (input: JobSpecInput) =>
    fw.createJob(input).catch((err: unknown) => {
      throw err instanceof TandemError && err.code === Code.AlreadyExists ? MetronomeError.conflict('Job with this id already exists') : err;
    });

  app.get<{ Querystring: Record<string, unknown> }>('/v1/jobs', async (req) => {
    const embeds = parseEmbeds(req.query.embed);
    return fw.listJobs().map((j) => jobView(fw, j, embeds));
  });
  app.post<{ Querystring: Record<string, unknown> }>('/v1/jobs', async (req, reply) => {
    const input = validate(jobSpecSchema, req.body);
    mayRun(req, input.id);
    const job = await create(input);
    return reply.code(201).send(jobView(fw, job, new Set(input.schedules ? ['schedules'] : [])));
  });
  app.get<JobParams>('/v1/jobs/:id', async (req) => jobView(fw, jobOf(req.params.id), parseEmbeds(req.query.embed)));
  app.put<JobParams>('/v1/jobs/:id', async (req) => {
    mayRun(req, req.params.id);
    const input = validate(jobSpecSchema, req.body);
    jobOf(req.params.id);
    const job = await orNotFound(
      () => fw.updateJob(req.params.id, input),
      () => MetronomeError.unknownJob(req.params.id),
    );
    return jobView(fw, job, new Set(input.schedules ? ['schedules'] : []));
  });
  app.delete<JobParams>('/v1/jobs/:id', async (req) => {
    mayRun(req, req.params.id);
    const stop = queryTrue(req.query.stopCurrentJobRuns);
    jobOf(req.params.id);
    if (!stop && fw.listRuns(req.params.id).length > 0) fail(MetronomeError.conflict('There are active job runs. Override with stopCurrentJobRuns=true'));
    const job = await orNotFound(
      () => fw.deleteJob(req.params.id, stop),
      () => MetronomeError.unknownJob(req.params.id),
    );
    return metronomeJob(job);
  });

  app.get<JobParams>('/v1/jobs/:id/runs', async (req) => {
    jobOf(req.params.id);
    return fw.listRuns(req.params.id, queryTrue(req.query.all)).map(runJson(req.query));
  });
  app.post<JobParams>('/v1/jobs/:id/runs', async (req, reply) => {
    mayRun(req, req.params.id);
    jobOf(req.params.id);
    const run = await orNotFound(
      () => fw.startRun(req.params.id),
      () => MetronomeError.unknownJob(req.params.id),
    );
    return reply.code(201).send(runJson(req.query)(run));
  });
  app.get<RunParams>('/v1/jobs/:id/runs/:runId', async (req) => {
    const { id, runId } = req.params;
    jobOf(id);
    return runJson(req.query)(
      await orNotFound(
        () => fw.getRun(id, runId),
        () => MetronomeError.unknownRun(id, runId),
      ),
    );
  });
  app.post<RunParams>('/v1/jobs/:id/runs/:runId/actions/stop', async (req) => {
    const { id, runId } = req.params;
    mayRun(req, id);
    jobOf(id);
    return runJson(req.query)(
      await orNotFound(
        () => fw.stopRun(id, runId),
        () => MetronomeError.unknownRun(id, runId),
      ),
    );
  });
  app.get<JobParams>('/v1/jobs/:id/history', async (req) => historyView(fw.history(jobOf(req.params.id).id)));

  app.get<JobParams>('/v1/jobs/:id/schedules', async (req) => fw.listSchedules(jobOf(req.params.id).id).map((s) => scheduleView(s, fw.now())));
  app.post<JobParams>('/v1/jobs/:id/schedules', async (req, reply) => {
    mayRun(req, req.params.id);
    const spec = validate(scheduleSpecSchema, req.body);
    jobOf(req.params.id);
    if (fw.listSchedules(req.params.id).some((s) => s.spec.id === spec.id)) fail(MetronomeError.conflict('Can only create a non existing schedule'));
    return reply.code(201).send(scheduleView(await fw.putSchedule(req.params.id, spec, 'create'), fw.now()));
  });
  app.get<ScheduleParams>('/v1/jobs/:id/schedules/:scheduleId', async (req) => {
    const { id, scheduleId } = req.params;
    jobOf(id);
    return scheduleView(
      await orNotFound(
        () => fw.getSchedule(id, scheduleId),
        () => MetronomeError.unknownSchedule(scheduleId),
      ),
      fw.now(),
    );
  });
  app.put<ScheduleParams>('/v1/jobs/:id/schedules/:scheduleId', async (req) => {
    const { id, scheduleId } = req.params;
    mayRun(req, id);
    const spec = validate(scheduleSpecSchema, req.body);
    if (spec.id !== scheduleId) throw SpecError.of('/id', `must match the id in the path (${scheduleId})`);
    jobOf(id);
    return scheduleView(
      await orNotFound(
        () => fw.putSchedule(id, spec, 'update'),
        () => MetronomeError.unknownSchedule(scheduleId),
      ),
      fw.now(),
    );
  });
  // Metronome answers a deleted schedule with 200 and no body.
  app.delete<ScheduleParams>('/v1/jobs/:id/schedules/:scheduleId', async (req, reply) => {
    const { id, scheduleId } = req.params;
    mayRun(req, id);
    jobOf(id);
    await orNotFound(
      () => fw.deleteSchedule(id, scheduleId),
      () => MetronomeError.unknownSchedule(scheduleId),
    );
    return reply.code(200).send();
  });

  // Metronome's legacy API: a job with its schedules in one document (GET is Tandem's: Metronome has POST and PUT only).
  app.get('/v0/scheduled-jobs', async () => fw.listJobs().map((j) => scheduledJobView(fw, j)));
  app.get<JobParams>('/v0/scheduled-jobs/:id', async (req) => scheduledJobView(fw, jobOf(req.params.id)));
  app.post('/v0/scheduled-jobs', async (req, reply) => {
    const input = validate(jobSpecSchema, req.body);
    mayRun(req, input.id);
    const job = await create({ ...input, schedules: input.schedules ?? [] });
    return reply.code(201).send(scheduledJobView(fw, job));
  });
  // The whole job is replaced, its schedules too (none given: none kept), as Metronome's v0 PUT.
  app.put<JobParams>('/v0/scheduled-jobs/:id', async (req) => {
    mayRun(req, req.params.id);
    const input = validate(jobSpecSchema, req.body);
    jobOf(req.params.id);
    const job = await orNotFound(
      () => fw.updateJob(req.params.id, { ...input, schedules: input.schedules ?? [] }),
      () => MetronomeError.unknownJob(req.params.id),
    );
    return scheduledJobView(fw, job);
  });

  app.get('/v1/events', (_req, reply) => {
    reply.hijack();
    const sse = streams.open(reply.raw);
    sse.comment('tandem jobs events');
    sse.onClose(fw.events.subscribe((event) => sse.send(event.type, event)));
  });

  let port = options.port;
  if (options.embed) {
    await app.ready();
  } else {
    await app.listen({ host: options.host, port: options.port });
    const bound = app.server.address();
    port = typeof bound === 'object' && bound ? bound.port : options.port;
    options.logger.info({ port }, 'jobs API listening');
  }
  address ||= `${options.host === '0.0.0.0' ? '127.0.0.1' : options.host}:${port}`;
  return {
    port,
    address,
    handler: app.routing,
    close: async () => {
      streams.closeAll();
      await app.close();
    },
  };
}

function fail(err: Error): never {
  throw err;
}

/** A query boolean as Metronome (and Marathon) read it: `true` in any case. */
function queryTrue(value: unknown): boolean {
  return String(Array.isArray(value) ? value[0] : value).toLowerCase() === 'true';
}
