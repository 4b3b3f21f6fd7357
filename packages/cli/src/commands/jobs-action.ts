import { type HttpClientTls, httpScheme } from '@tandem/protocol';
import type { Command } from 'commander';
import { z } from 'zod';
import { aclsFrom, aclsSchema } from '../acls-flag.js';
import { formatTable } from '../cli-io.js';
import { cliLogger } from '../cli-logger.js';
import type { CommandContext } from '../command-context.js';
import { corsOption, corsSchema } from '../cors-flag.js';
import { credentialOption, credentialSchema } from '../credential-flags.js';
import { haSchema } from '../ha-flags.js';
import { clientAuthorization, httpAuthFrom, httpAuthSchema } from '../http-auth-flags.js';
import { apiUrl, httpClientTls } from '../http-client-tls.js';
import { runJob } from '../jobs/run-job.js';
import { httpRateOption, httpRateSchema } from '../limit-flags.js';
import { parseOptions } from '../parse-options.js';
import { bytes, masters, nonEmpty, port, positive, seconds } from '../schemas.js';
import { stopOnSignal } from '../stop-on-signal.js';
import { electedServiceOptions, shownServers, warnPlaintextStore } from '../store-access.js';
import { tlsOption, tlsSchema } from '../tls-flags.js';

export const jobsServeSchema = z
  .object({
    master: masters(),
    host: nonEmpty(),
    port: port(),
    workDir: nonEmpty(),
    failoverTimeout: seconds(),
    declineSeconds: seconds(),
    maxBodyBytes: bytes(),
    clockOffsetMs: z.coerce.number({ error: 'must be a number of ms' }).refine(Number.isFinite, 'must be a number of ms'),
  })
  .extend(haSchema.shape)
  .extend(httpAuthSchema.shape)
  .extend(tlsSchema.shape)
  .extend(credentialSchema.shape)
  .extend(aclsSchema.shape)
  .extend(corsSchema.shape)
  .extend(httpRateSchema.shape);

const urlSchema = z.object({ url: z.string().url('must be a URL such as http://localhost:8090') });
export const jobsRunSchema = urlSchema.extend({ wait: z.boolean().default(false), poll: positive('number of seconds') });

function withTls(cmd: Command, url: string): { url: string; tls?: HttpClientTls } {
  const tls = httpClientTls(cmd);
  return { url: apiUrl(cmd, url, tls), ...(tls ? { tls } : {}) };
}

function withAuthorization(cmd: Command): { authorization?: string } {
  const authorization = clientAuthorization(cmd);
  return authorization ? { authorization } : {};
}

export async function serveJobs(ctx: CommandContext, serve: Command): Promise<void> {
  const o = parseOptions(serve, jobsServeSchema);
  const httpAuth = await httpAuthFrom(o);
  const acls = await aclsFrom(o);
  const tls = tlsOption(o);
  const credential = credentialOption(o);
  const scheme = httpScheme(tls.tls);
  const { parseStoreUrl } = await import('@tandem/store');
  const location = o.store === undefined ? undefined : parseStoreUrl(o.store, '--store (TANDEM_STORE)');
  const jobs = await import('@tandem/jobs');
  const log = cliLogger('jobs');
  warnPlaintextStore(log, location, tls.tls);
  const signal = ctx.shutdownSignal();
  const options = {
    master: o.master,
    host: o.host,
    port: o.port,
    failoverTimeoutSeconds: o.failoverTimeout,
    declineSeconds: o.declineSeconds,
    maxBodyBytes: o.maxBodyBytes,
    ...(httpAuth ? { httpAuth } : {}),
    ...(acls ? { acls } : {}),
    ...corsOption(o),
    ...httpRateOption(o),
    ...tls,
    ...credential,
    clockOffsetMs: o.clockOffsetMs,
    logger: log,
  };
  try {
    if (location?.kind === 'nats') {
      const running = await jobs.startJobsHaService({ ...options, ...electedServiceOptions(location, tls.tls, o) });
      log.info({ jobsPort: running.port, advertised: running.url }, 'jobs framework serving; standby until elected');
      ctx.io.stdout(
        `tandem jobs: API ${scheme}://${o.host}:${running.port} on master ${o.master} (store ${shownServers(location)}, bucket ${jobs.JOBS_BUCKET}: one process leads, the others forward to it; this one is ${running.url})\n`,
      );
      await stopOnSignal(ctx, signal, log, 'jobs framework', () => running.stop());
      return;
    }
    const workDir = location?.dir ?? o.workDir;
    const running = await jobs.startJobsService({ ...options, workDir });
    const fw = running.framework;
    log.info({ jobsPort: fw.port, frameworkId: fw.frameworkId }, 'jobs framework serving');
    ctx.io.stdout(`tandem jobs: API ${scheme}://${o.host}:${fw.port}, framework ${fw.frameworkId ?? '?'} on master ${o.master} (work dir ${workDir})\n`);
    await stopOnSignal(ctx, signal, log, 'jobs framework', () => running.stop());
  } finally {
    signal.dispose();
  }
}

const out = (ctx: CommandContext, v: unknown): void => ctx.io.stdout(`${JSON.stringify(v, null, 2)}\n`);
const client = async (cmd: Command) => {
  const { JobsClient } = await import('@tandem/jobs');
  const authorization = clientAuthorization(cmd);
  const tls = httpClientTls(cmd);
  return new JobsClient({ url: apiUrl(cmd, parseOptions(cmd, urlSchema).url, tls), ...(authorization ? { authorization } : {}), ...(tls ? { tls } : {}) });
};

export async function runJobFile(ctx: CommandContext, run: Command, file: string): Promise<void> {
  const o = parseOptions(run, jobsRunSchema);
  const signal = ctx.shutdownSignal();
  try {
    const code = await runJob(
      { file, ...withTls(run, o.url), ...withAuthorization(run), wait: o.wait, pollMs: Math.round(o.poll * 1000), tty: ctx.io.stdoutIsTTY === true },
      ctx.io,
      signal.received,
    );
    ctx.setExitCode(code);
  } finally {
    signal.dispose();
  }
}

export async function listJobs(ctx: CommandContext, list: Command): Promise<void> {
  const c = await client(list);
  const all = await c.request<
    { id: string; historySummary: { successCount: number; failureCount: number; lastSuccessAt: string | null }; activeRuns: unknown[] }[]
  >('GET', '/v1/jobs?embed=historySummary&embed=activeRuns');
  if (list.opts().json) return out(ctx, all);
  const rows = [
    ['ID', 'ACTIVE', 'SUCCESS', 'FAILURE', 'LAST SUCCESS'],
    ...all.map((j) => [
      j.id,
      String(j.activeRuns.length),
      String(j.historySummary.successCount),
      String(j.historySummary.failureCount),
      j.historySummary.lastSuccessAt ?? '-',
    ]),
  ];
  ctx.io.stdout(`${formatTable(rows)}\n`);
}

export async function showJob(ctx: CommandContext, show: Command, id: string): Promise<void> {
  const c = await client(show);
  out(ctx, await c.request('GET', `/v1/jobs/${encodeURIComponent(id)}?embed=activeRuns&embed=schedules&embed=historySummary`));
}

export async function jobHistory(ctx: CommandContext, history: Command, id: string): Promise<void> {
  const c = await client(history);
  out(ctx, await c.request('GET', `/v1/jobs/${encodeURIComponent(id)}/history`));
}

export async function stopRun(ctx: CommandContext, stop: Command, id: string, runId: string): Promise<void> {
  const c = await client(stop);
  out(ctx, await c.request('POST', `/v1/jobs/${encodeURIComponent(id)}/runs/${encodeURIComponent(runId)}/actions/stop`));
}
