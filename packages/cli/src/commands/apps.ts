import { DEFAULT_MAX_BODY_BYTES, httpScheme } from '@tandem/protocol';
import { Command, type Option } from 'commander';
import { z } from 'zod';
import { aclsFrom, aclsSchema, addAclsFlag } from '../acls-flag.js';
import { type AppsApi, appsRequest } from '../apps/apps-client.js';
import { deployApp } from '../apps/deploy-app.js';
import { formatTable, writeTo } from '../cli-io.js';
import { cliLogger } from '../cli-logger.js';
import type { CommandContext } from '../command-context.js';
import { addCorsFlag, corsOption, corsSchema } from '../cors-flag.js';
import { addCredentialFlag, credentialOption, credentialSchema } from '../credential-flags.js';
import {
  DEFAULT_APPS_PORT,
  DEFAULT_APPS_URL,
  DEFAULT_APPS_WORK_DIR,
  DEFAULT_DECLINE_SECONDS,
  DEFAULT_DEPLOYMENT_TIMEOUT_SECONDS,
  DEFAULT_FAILOVER_TIMEOUT_SECONDS,
  DEFAULT_LOCAL_PORT_MAX,
  DEFAULT_LOCAL_PORT_MIN,
  DEFAULT_SERVICE_HOST,
} from '../defaults.js';
import { flag, masterFlag } from '../flag-option.js';
import { addHaFlags, bucketReplicas, haSchema } from '../ha-flags.js';
import { addHttpAuthFlags, clientAuthorization, clientCredentialsFlag, httpAuthFrom, httpAuthSchema } from '../http-auth-flags.js';
import { addHttpClientTlsFlags, apiUrl, httpClientTls } from '../http-client-tls.js';
import { httpRateFlags, httpRateOption, httpRateSchema } from '../limit-flags.js';
import { parseOptions } from '../parse-options.js';
import { bytes, masters, nonEmpty, nonNegative, port, positive, seconds, secondsToMs } from '../schemas.js';
import { stopOnSignal } from '../stop-on-signal.js';
import { accessOf, natsAccessFor, shownServers, warnPlaintextStore } from '../store-access.js';
import { addTlsFlags, tlsOption, tlsSchema } from '../tls-flags.js';

export const appsServeSchema = z
  .object({
    master: masters(),
    host: nonEmpty(),
    port: port(),
    workDir: nonEmpty(),
    failoverTimeout: seconds(),
    declineSeconds: seconds(),
    deploymentTimeout: seconds(),
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

function urlFlag(): Option {
  return flag('--url <url>', 'the apps API', DEFAULT_APPS_URL);
}

const appPath = (id: string): string => `/v2/apps${id.startsWith('/') ? id : `/${id}`}`;

export function appsCommand(ctx: CommandContext): Command {
  const apps = new Command('apps').description('Long-running services (a Marathon-compatible framework): serve it, deploy apps, look at them.');
  const out = (v: unknown): void => ctx.io.stdout(`${JSON.stringify(v, null, 2)}\n`);
  const url = (cmd: Command): AppsApi => {
    const authorization = clientAuthorization(cmd);
    const tls = httpClientTls(cmd);
    return { url: apiUrl(cmd, parseOptions(cmd, urlSchema).url, tls), ...(authorization ? { authorization } : {}), ...(tls ? { tls } : {}) };
  };

  const serve = addHaFlags(
    addCorsFlag(
      addAclsFlag(
        addCredentialFlag(addTlsFlags(addHttpAuthFlags(new Command('serve')), 'the apps framework', true), 'the apps framework'),
        'the REST API (deploy_apps on app and group ids, view on reads)',
      ),
    )
      .description(
        'Run the apps framework: Marathon v2 REST API, deployments, health; state in --work-dir, or with --store nats://... in a bucket several apps processes share: one leads, the others forward the API to it.',
      )
      .addOption(masterFlag())
      .addOption(flag('--host <host>', 'interface of the REST API', DEFAULT_SERVICE_HOST))
      .addOption(flag('--port <port>', "REST API port (Marathon's --http_port); 0 = any free port", DEFAULT_APPS_PORT))
      .addOption(flag('--work-dir <dir>', 'directory of the apps store', DEFAULT_APPS_WORK_DIR))
      .addOption(flag('--failover-timeout <seconds>', "how long the master keeps the framework's tasks while it is away", DEFAULT_FAILOVER_TIMEOUT_SECONDS))
      .addOption(
        flag('--decline-seconds <seconds>', "refuse_seconds for offers it does not need (Marathon's --decline_offer_duration)", DEFAULT_DECLINE_SECONDS),
      )
      .addOption(
        flag(
          '--deployment-timeout <seconds>',
          'fail and roll back deployments after this long, for apps that set no upgradeStrategy.deploymentTimeoutSeconds; 0 = never',
          DEFAULT_DEPLOYMENT_TIMEOUT_SECONDS,
        ),
      )
      .addOption(
        flag('--local-port-min <port>', "lowest service port given to a portDefinition with port 0 (Marathon's --local_port_min)", DEFAULT_LOCAL_PORT_MIN),
      )
      .addOption(flag('--local-port-max <port>', "service ports are given below this port (Marathon's --local_port_max)", DEFAULT_LOCAL_PORT_MAX))
      .addOption(flag('--max-body-bytes <bytes>', 'refuse request bodies larger than this with 413', DEFAULT_MAX_BODY_BYTES))
      .addOption(httpRateFlags('/ping')[0])
      .addOption(httpRateFlags('/ping')[1]),
    'the apps framework',
  ).action(async () => {
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
        const running = await apps.startAppsHaService({
          ...options,
          store: {
            servers: location.servers,
            ...accessOf(natsAccessFor(location, tls.tls, o.storeCredentials)),
            replicas: bucketReplicas(location.servers, o.storeReplicas),
          },
          leaseTtlMs: secondsToMs(o.leaseTtl),
          ...(o.advertiseHost !== undefined ? { advertiseHost: o.advertiseHost } : {}),
        });
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
  });

  const deploy = new Command('deploy')
    .description('Create or replace the app in FILE (Marathon JSON) and follow its deployment live; exit 0 when it succeeds, 1 when it fails.')
    .argument('<file>')
    .addOption(urlFlag())
    .option('--force', 'override a deployment in progress')
    .addOption(flag('--poll <seconds>', 'how often progress is read', 0.5))
    .addOption(flag('--timeout <seconds>', 'give up after this long; 0 = wait as long as it takes', 0))
    .action(async (file: string) => {
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
    });

  const list = new Command('list')
    .description('List apps: instances, running, healthy, deployments.')
    .addOption(urlFlag())
    .option('--json', 'print the JSON')
    .action(async () => {
      const all = await appsRequest<{
        apps: { id: string; instances: number; tasksRunning: number; tasksHealthy: number; tasksStaged: number; deployments: unknown[] }[];
      }>(url(list), 'GET', '/v2/apps');
      if (list.opts().json) return out(all);
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
    });

  const show = new Command('show')
    .description("Show an app with its tasks, deployments and why it waits (JSON; Tandem's fields with Marathon's, ?embed=tandem).")
    .argument('<id>')
    .addOption(urlFlag())
    .action(async (id: string) => out(await appsRequest(url(show), 'GET', `${appPath(id)}?embed=tandem`)));
  const tasks = new Command('tasks')
    .description("List an app's tasks (JSON, with each task's instance id, condition and goal).")
    .argument('<id>')
    .addOption(urlFlag())
    .action(async (id: string) => out(await appsRequest(url(tasks), 'GET', `${appPath(id)}/tasks?embed=tandem`)));
  const scale = new Command('scale')
    .description("Set an app's instance count.")
    .argument('<id>')
    .argument('<instances>')
    .addOption(urlFlag())
    .option('--force', 'override a deployment in progress')
    .action(async (id: string, n: string) => {
      const instances = z.coerce.number().int().min(0).safeParse(n);
      if (!instances.success) throw new Error(`instances: must be a whole number >= 0, got ${JSON.stringify(n)}`);
      out(await appsRequest(url(scale), 'PATCH', `${appPath(id)}${scale.opts().force ? '?force=true' : ''}`, { instances: instances.data }));
    });
  const restart = new Command('restart')
    .description('Rolling restart of an app.')
    .argument('<id>')
    .addOption(urlFlag())
    .option('--force', 'override a deployment in progress')
    .action(async (id: string) => out(await appsRequest(url(restart), 'POST', `${appPath(id)}/restart${restart.opts().force ? '?force=true' : ''}`)));
  const del = new Command('delete')
    .description('Delete an app (its tasks are killed).')
    .argument('<id>')
    .addOption(urlFlag())
    .option('--force', 'override a deployment in progress')
    .action(async (id: string) => out(await appsRequest(url(del), 'DELETE', `${appPath(id)}${del.opts().force ? '?force=true' : ''}`)));

  for (const sub of [serve, deploy, list, show, scale, restart, del, tasks]) {
    if (sub !== serve) addHttpClientTlsFlags(clientCredentialsFlag(sub));
    writeTo(sub, ctx.io);
    apps.addCommand(sub);
  }
  return apps;
}
