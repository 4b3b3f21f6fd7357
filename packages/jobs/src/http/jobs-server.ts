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
import { runView, scheduleView } from '../core/run-view.js';
import { jobSpecSchema } from '../spec/job-spec.js';
import { scheduleSpecSchema } from '../spec/schedule-spec.js';
import { SpecError } from '../spec/spec-error.js';
import { validate } from '../spec/validate.js';
import { historyView, jobView, parseEmbeds } from './job-view.js';
import type { JobsApi } from './jobs-api.js';

export const JOBS_API_VERSION = '0.1.0';

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
type RunParams = { Params: { id: string; runId: string } };
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
    const { status, body } = errorReply(err, { overrides: METRONOME_STATUS, bodyLimit });
    if (status >= 500) options.logger.error({ err }, 'jobs API error');
    return reply.code(status).send(body);
  });

  app.get('/ping', async (_req, reply) => reply.type('text/plain').send('pong'));
  // Known once listening (a port 0 is chosen then).
  let address = options.advertisedAddress ?? '';
  app.get('/info', async () => ({ version: JOBS_API_VERSION, libVersion: 'tandem', frameworkId: fw.frameworkId ?? null, elected: true, leader: address }));
  app.get('/v1/leader', async () => ({ leader: address }));
  app.get('/v1/metrics', async (_req, reply) => reply.type(fw.metrics.registry.contentType).send(await fw.metrics.registry.metrics()));
  app.get('/v1/queue', async () => fw.queue());

  app.get<{ Querystring: Record<string, unknown> }>('/v1/jobs', async (req) => {
    const embeds = parseEmbeds(req.query.embed);
    return fw.listJobs().map((j) => jobView(fw, j, embeds));
  });
  app.post('/v1/jobs', async (req, reply) => {
    const input = validate(jobSpecSchema, req.body);
    mayRun(req, input.id);
    const job = await fw.createJob(input);
    return reply.code(201).send(jobView(fw, job, new Set(input.schedules ? ['schedules'] : [])));
  });
  app.get<JobParams>('/v1/jobs/:id', async (req) => {
    const job = fw.getJob(req.params.id);
    if (!job) return notFound(`Job '${req.params.id}' does not exist`);
    return jobView(fw, job, parseEmbeds(req.query.embed));
  });
  app.put<JobParams>('/v1/jobs/:id', async (req) => {
    mayRun(req, req.params.id);
    const input = validate(jobSpecSchema, req.body);
    const job = await fw.updateJob(req.params.id, input);
    return jobView(fw, job, new Set(input.schedules ? ['schedules'] : []));
  });
  app.delete<JobParams>('/v1/jobs/:id', async (req) => {
    mayRun(req, req.params.id);
    const job = await fw.deleteJob(req.params.id, String(req.query.stopCurrentJobRuns) === 'true');
    return job;
  });

  app.get<JobParams>('/v1/jobs/:id/runs', async (req) => fw.listRuns(req.params.id, String(req.query.all) === 'true').map(runView));
  app.post<JobParams>('/v1/jobs/:id/runs', async (req, reply) => {
    mayRun(req, req.params.id);
    return reply.code(201).send(runView(await fw.startRun(req.params.id)));
  });
  app.get<RunParams>('/v1/jobs/:id/runs/:runId', async (req) => runView(fw.getRun(req.params.id, req.params.runId)));
  app.post<RunParams>('/v1/jobs/:id/runs/:runId/actions/stop', async (req) => {
    mayRun(req, req.params.id);
    return runView(await fw.stopRun(req.params.id, req.params.runId));
  });
  app.get<JobParams>('/v1/jobs/:id/history', async (req) => historyView(fw.history(req.params.id)));

  app.get<JobParams>('/v1/jobs/:id/schedules', async (req) => fw.listSchedules(req.params.id).map((s) => scheduleView(s, fw.now())));
  app.post<JobParams>('/v1/jobs/:id/schedules', async (req, reply) => {
    mayRun(req, req.params.id);
    const spec = validate(scheduleSpecSchema, req.body);
    return reply.code(201).send(scheduleView(await fw.putSchedule(req.params.id, spec, 'create'), fw.now()));
  });
  app.get<ScheduleParams>('/v1/jobs/:id/schedules/:scheduleId', async (req) => scheduleView(fw.getSchedule(req.params.id, req.params.scheduleId), fw.now()));
  app.put<ScheduleParams>('/v1/jobs/:id/schedules/:scheduleId', async (req) => {
    mayRun(req, req.params.id);
    const spec = validate(scheduleSpecSchema, req.body);
    if (spec.id !== req.params.scheduleId) throw SpecError.of('/id', `must match the id in the path (${req.params.scheduleId})`);
    return scheduleView(await fw.putSchedule(req.params.id, spec, 'update'), fw.now());
  });
  app.delete<ScheduleParams>('/v1/jobs/:id/schedules/:scheduleId', async (req, reply) => {
    mayRun(req, req.params.id);
    await fw.deleteSchedule(req.params.id, req.params.scheduleId);
    return reply.code(200).send({});
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

function notFound(message: string): never {
  throw new TandemError(Code.NotFound, message);
}
