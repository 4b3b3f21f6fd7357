import { DEFAULT_MAX_BODY_BYTES, type HttpClientTls, httpScheme } from '@tandem/protocol';
import { Command, type Option } from 'commander';
import { z } from 'zod';
import { aclsFrom, aclsSchema, addAclsFlag } from '../acls-flag.js';
import { formatTable, writeTo } from '../cli-io.js';
import { cliLogger } from '../cli-logger.js';
import type { CommandContext } from '../command-context.js';
import { addCorsFlag, corsOption, corsSchema } from '../cors-flag.js';
import { addCredentialFlag, credentialOption, credentialSchema } from '../credential-flags.js';
import {
  DEFAULT_DECLINE_SECONDS,
  DEFAULT_FAILOVER_TIMEOUT_SECONDS,
  DEFAULT_JOBS_PORT,
  DEFAULT_JOBS_URL,
  DEFAULT_JOBS_WORK_DIR,
  DEFAULT_SERVICE_HOST,
} from '../defaults.js';
import { flag, masterFlag } from '../flag-option.js';
import { addHaFlags, bucketReplicas, haSchema } from '../ha-flags.js';
import { addHttpAuthFlags, clientAuthorization, clientCredentialsFlag, httpAuthFrom, httpAuthSchema } from '../http-auth-flags.js';
import { addHttpClientTlsFlags, apiUrl, httpClientTls } from '../http-client-tls.js';
import { runJob } from '../jobs/run-job.js';
import { httpRateFlags, httpRateOption, httpRateSchema } from '../limit-flags.js';
import { parseOptions } from '../parse-options.js';
import { bytes, masters, nonEmpty, port, positive, seconds, secondsToMs } from '../schemas.js';
import { stopOnSignal } from '../stop-on-signal.js';
import { accessOf, natsAccessFor, shownServers, warnPlaintextStore } from '../store-access.js';
import { addTlsFlags, tlsOption, tlsSchema } from '../tls-flags.js';

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

function urlFlag(): Option {
  return flag('--url <url>', 'the jobs API', DEFAULT_JOBS_URL);
}

export function jobsCommand(ctx: CommandContext): Command {
  const jobs = new Command('jobs').description('Batch jobs (a Metronome-compatible framework): serve it, run jobs, look at them.');
  const out = (v: unknown): void => ctx.io.stdout(`${JSON.stringify(v, null, 2)}\n`);
  const client = async (cmd: Command) => {
    const { JobsClient } = await import('@tandem/jobs');
    const authorization = clientAuthorization(cmd);
    const tls = httpClientTls(cmd);
    return new JobsClient({ url: apiUrl(cmd, parseOptions(cmd, urlSchema).url, tls), ...(authorization ? { authorization } : {}), ...(tls ? { tls } : {}) });
  };

  const serve = addHaFlags(
    addCorsFlag(
      addAclsFlag(
        addCredentialFlag(addTlsFlags(addHttpAuthFlags(new Command('serve')), 'the jobs framework', true), 'the jobs framework'),
        'the REST API (run_jobs on job ids, view on reads)',
      ),
    )
      .description(
        'Run the jobs framework: REST API (Metronome v1), schedules, runs; state in --work-dir, or with --store nats://... in a bucket several jobs processes share: one leads, the others forward the API to it.',
      )
      .addOption(masterFlag())
      .addOption(flag('--host <host>', 'interface of the REST API', DEFAULT_SERVICE_HOST))
      .addOption(flag('--port <port>', 'REST API port; 0 = any free port', DEFAULT_JOBS_PORT))
      .addOption(flag('--work-dir <dir>', 'directory of the jobs store', DEFAULT_JOBS_WORK_DIR))
      .addOption(flag('--failover-timeout <seconds>', "how long the master keeps the framework's tasks while it is away", DEFAULT_FAILOVER_TIMEOUT_SECONDS))
      .addOption(flag('--decline-seconds <seconds>', 'refuse_seconds for offers it does not need', DEFAULT_DECLINE_SECONDS))
      .addOption(flag('--max-body-bytes <bytes>', 'refuse request bodies larger than this with 413', DEFAULT_MAX_BODY_BYTES))
      .addOption(httpRateFlags('/ping')[0])
      .addOption(httpRateFlags('/ping')[1])
      .addOption(flag('--clock-offset-ms <ms>', 'shift the scheduler clock (tests only)', 0).hideHelp()),
    'the jobs framework',
  ).action(async () => {
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
        const running = await jobs.startJobsHaService({
          ...options,
          store: {
            servers: location.servers,
            ...accessOf(natsAccessFor(location, tls.tls, o.storeCredentials)),
            replicas: bucketReplicas(location.servers, o.storeReplicas),
          },
          leaseTtlMs: secondsToMs(o.leaseTtl),
          ...(o.advertiseHost !== undefined ? { advertiseHost: o.advertiseHost } : {}),
        });
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
  });

  const run = new Command('run')
    .description('Create or update the job in FILE, start a run; with --wait show it live and exit 0 on SUCCESS, 1 on FAILED.')
    .argument('<file>', 'a job spec (Metronome JSON)')
    .addOption(urlFlag())
    .option('--wait', 'follow the run until it ends')
    .addOption(flag('--poll <seconds>', 'how often --wait looks at the run', 0.5))
    .action(async (file: string) => {
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
    });

  const list = new Command('list')
    .description('List jobs with their run counts.')
    .addOption(urlFlag())
    .option('--json', 'print the JSON')
    .action(async () => {
      const c = await client(list);
      const all = await c.request<
        { id: string; historySummary: { successCount: number; failureCount: number; lastSuccessAt: string | null }; activeRuns: unknown[] }[]
      >('GET', '/v1/jobs?embed=historySummary&embed=activeRuns');
      if (list.opts().json) return out(all);
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
    });

  const show = new Command('show')
    .description('Show a job with its schedules, active runs and history summary (JSON).')
    .argument('<id>')
    .addOption(urlFlag())
    .action(async (id: string) => {
      const c = await client(show);
      out(await c.request('GET', `/v1/jobs/${encodeURIComponent(id)}?embed=activeRuns&embed=schedules&embed=historySummary`));
    });

  const history = new Command('history')
    .description("Show a job's history: counts, last times, finished runs (JSON).")
    .argument('<id>')
    .addOption(urlFlag())
    .action(async (id: string) => {
      const c = await client(history);
      out(await c.request('GET', `/v1/jobs/${encodeURIComponent(id)}/history`));
    });

  const stop = new Command('stop')
    .description("Stop a run: its tasks are killed with the job's grace period; the run ends FAILED.")
    .argument('<id>')
    .argument('<run>')
    .addOption(urlFlag())
    .action(async (id: string, runId: string) => {
      const c = await client(stop);
      out(await c.request('POST', `/v1/jobs/${encodeURIComponent(id)}/runs/${encodeURIComponent(runId)}/actions/stop`));
    });

  for (const sub of [serve, run, list, show, history, stop]) {
    if (sub !== serve) addHttpClientTlsFlags(clientCredentialsFlag(sub));
    writeTo(sub, ctx.io);
    jobs.addCommand(sub);
  }
  return jobs;
}

function withTls(cmd: Command, url: string): { url: string; tls?: HttpClientTls } {
  const tls = httpClientTls(cmd);
  return { url: apiUrl(cmd, url, tls), ...(tls ? { tls } : {}) };
}

function withAuthorization(cmd: Command): { authorization?: string } {
  const authorization = clientAuthorization(cmd);
  return authorization ? { authorization } : {};
}
