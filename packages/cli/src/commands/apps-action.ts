import { httpScheme } from '@tandem/protocol';
import type { Command } from 'commander';
import { z } from 'zod';
import { aclsFrom, aclsSchema } from '../acls-flag.js';
import { type AppsApi, appsRequest } from '../apps/apps-client.js';
import { deployApp } from '../apps/deploy-app.js';
import { formatTable } from '../cli-io.js';
import { cliLogger } from '../cli-logger.js';
import type { CommandContext } from '../command-context.js';
import { corsOption, corsSchema } from '../cors-flag.js';
import { credentialOption, credentialSchema } from '../credential-flags.js';
import { durationSeconds } from '../duration-flag.js';
import { haSchema } from '../ha-flags.js';
import { clientAuthorization, httpAuthFrom, httpAuthSchema } from '../http-auth-flags.js';
import { apiUrl, httpClientTls } from '../http-client-tls.js';
import { httpRateOption, httpRateSchema } from '../limit-flags.js';
import { parseOptions } from '../parse-options.js';
import { bytes, masters, nonEmpty, nonNegative, port, positive, seconds } from '../schemas.js';
import { stopOnSignal } from '../stop-on-signal.js';
import { electedServiceOptions, shownServers, warnPlaintextStore } from '../store-access.js';
import { tlsOption, tlsSchema } from '../tls-flags.js';

export const appsServeSchema = z
  .object({
    master: masters(),
    host: nonEmpty(),
    port: port(),
    workDir: nonEmpty(),
    failoverTimeout: seconds(),
    declineSeconds: seconds(),
    deploymentTimeout: seconds(),
    maintenanceLead: durationSeconds(),
    localPortMin: port(1),
    localPortMax: port(2),
    maxBodyBytes: bytes(),
  })
  .extend(haSchema.shape)
  .extend(httpAuthSchema.shape)
  .extend(tlsSchema.shape)
  .extend(credentialSchema.shape)
  .extend(aclsSchema.shape)
  .extend(corsSchema.shape)
  .extend(httpRateSchema.shape)
  .refine((o) => o.localPortMax > o.localPortMin, { message: 'must be greater than --local-port-min', path: ['localPortMax'] });
const urlSchema = z.object({ url: z.string().url('must be a URL such as http://localhost:8080') });
export const appsDeploySchema = urlSchema.extend({
  force: z.boolean().default(false),
  poll: positive('number of seconds'),
  timeout: nonNegative('number of seconds'),
});

const appPath = (id: string): string => `/v2/apps${id.startsWith('/') ? id : `/${id}`}`;

export async function serveApps(ctx: CommandContext, serve: Command): Promise<void> {
  const o = parseOptions(serve, appsServeSchema);
  const httpAuth = await httpAuthFrom(o);
  const acls = await aclsFrom(o);
  const tls = tlsOption(o);
  const credential = credentialOption(o);
  const scheme = httpScheme(tls.tls);
  const { parseStoreUrl } = await import('@tandem/store');
  const location = o.store === undefined ? undefined : parseStoreUrl(o.store, '--store (TANDEM_STORE)');
  const apps = await import('@tandem/apps');
  const log = cliLogger('apps');
  warnPlaintextStore(log, location, tls.tls);
  const signal = ctx.shutdownSignal();
  const options = {
    master: o.master,
    host: o.host,
    port: o.port,
    failoverTimeoutSeconds: o.failoverTimeout,
    declineSeconds: o.declineSeconds,
    deploymentTimeoutSeconds: o.deploymentTimeout,
    maintenanceLeadSeconds: o.maintenanceLead,
    localPortMin: o.localPortMin,
    localPortMax: o.localPortMax,
    maxBodyBytes: o.maxBodyBytes,
    ...(httpAuth ? { httpAuth } : {}),
    ...(acls ? { acls } : {}),
    ...corsOption(o),
    ...httpRateOption(o),
    ...tls,
    ...credential,
    logger: log,
  };
  try {
    if (location?.kind === 'nats') {
      const running = await apps.startAppsHaService({ ...options, ...electedServiceOptions(location, tls.tls, o) });
      log.info({ appsPort: running.port, advertised: running.url }, 'apps framework serving; standby until elected');
      ctx.io.stdout(
        `tandem apps: API ${scheme}://${o.host}:${running.port} on master ${o.master} (store ${shownServers(location)}, bucket ${apps.APPS_BUCKET}: one process leads, the others forward to it; this one is ${running.url})\n`,
      );
      await stopOnSignal(ctx, signal, log, 'apps framework', () => running.stop());
      return;
    }
    const workDir = location?.dir ?? o.workDir;
    const running = await apps.startAppsService({ ...options, workDir });
    const fw = running.framework;
    log.info({ appsPort: fw.port, frameworkId: fw.scheduler.frameworkId }, 'apps framework serving');
    ctx.io.stdout(`tandem apps: API ${scheme}://${o.host}:${fw.port} on master ${o.master} (work dir ${workDir})\n`);
    await stopOnSignal(ctx, signal, log, 'apps framework', () => running.stop());
  } finally {
    signal.dispose();
  }
}

export async function deployAppFile(ctx: CommandContext, deploy: Command, file: string): Promise<void> {
  const o = parseOptions(deploy, appsDeploySchema);
  const signal = ctx.shutdownSignal();
  try {
    ctx.setExitCode(
      await deployApp(
        {
          file,
          api: url(deploy),
          force: o.force,
          pollMs: Math.round(o.poll * 1000),
          timeoutMs: Math.round(o.timeout * 1000),
          tty: ctx.io.stdoutIsTTY === true,
        },
        ctx.io,
        signal.received,
      ),
    );
  } finally {
    signal.dispose();
  }
}

const out = (ctx: CommandContext, v: unknown): void => ctx.io.stdout(`${JSON.stringify(v, null, 2)}\n`);
const url = (cmd: Command): AppsApi => {
  const authorization = clientAuthorization(cmd);
  const tls = httpClientTls(cmd);
  return { url: apiUrl(cmd, parseOptions(cmd, urlSchema).url, tls), ...(authorization ? { authorization } : {}), ...(tls ? { tls } : {}) };
};

/** `tandem apps list [--json]`. */
export async function listApps(ctx: CommandContext, list: Command): Promise<void> {
  const all = await appsRequest<{
    apps: { id: string; instances: number; tasksRunning: number; tasksHealthy: number; tasksStaged: number; deployments: unknown[] }[];
  }>(url(list), 'GET', '/v2/apps');
  if (list.opts().json) return out(ctx, all);
  const rows = [
    ['ID', 'INSTANCES', 'STAGED', 'RUNNING', 'HEALTHY', 'DEPLOYING'],
    ...all.apps.map((a) => [
      a.id,
      String(a.instances),
      String(a.tasksStaged),
      String(a.tasksRunning),
      String(a.tasksHealthy),
      a.deployments.length > 0 ? 'yes' : 'no',
    ]),
  ];
  ctx.io.stdout(`${formatTable(rows)}\n`);
}

export const showApp = async (ctx: CommandContext, cmd: Command, id: string): Promise<void> =>
  out(ctx, await appsRequest(url(cmd), 'GET', `${appPath(id)}?embed=tandem`));
export const appTasks = async (ctx: CommandContext, cmd: Command, id: string): Promise<void> =>
  out(ctx, await appsRequest(url(cmd), 'GET', `${appPath(id)}/tasks?embed=tandem`));
export const restartApp = async (ctx: CommandContext, cmd: Command, id: string): Promise<void> =>
  out(ctx, await appsRequest(url(cmd), 'POST', `${appPath(id)}/restart${cmd.opts().force ? '?force=true' : ''}`));
export const deleteApp = async (ctx: CommandContext, cmd: Command, id: string): Promise<void> =>
  out(ctx, await appsRequest(url(cmd), 'DELETE', `${appPath(id)}${cmd.opts().force ? '?force=true' : ''}`));

/** `tandem apps scale ID N [--force]`. */
export async function scaleApp(ctx: CommandContext, scale: Command, id: string, n: string): Promise<void> {
  const instances = z.coerce.number().int().min(0).safeParse(n);
  if (!instances.success) throw new Error(`instances: must be a whole number >= 0, got ${JSON.stringify(n)}`);
  out(ctx, await appsRequest(url(scale), 'PATCH', `${appPath(id)}${scale.opts().force ? '?force=true' : ''}`, { instances: instances.data }));
}
