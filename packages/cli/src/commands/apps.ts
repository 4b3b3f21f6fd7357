import { DEFAULT_MAX_BODY_BYTES } from '@tandem/protocol/defaults';
import { Command, type Option } from 'commander';
import { writeTo } from '../cli-io.js';
import type { CommandContext } from '../command-context.js';
import {
  addAclsFlag,
  addCorsFlag,
  addCredentialFlag,
  addHaFlags,
  addHttpAuthFlags,
  addHttpClientTlsFlags,
  addTlsFlags,
  clientCredentialsFlag,
  httpRateFlags,
} from '../common-flags.js';
import {
  DEFAULT_APPS_PORT,
  DEFAULT_APPS_URL,
  DEFAULT_APPS_WORK_DIR,
  DEFAULT_DECLINE_SECONDS,
  DEFAULT_DEPLOYMENT_TIMEOUT_SECONDS,
  DEFAULT_FAILOVER_TIMEOUT_SECONDS,
  DEFAULT_LOCAL_PORT_MAX,
  DEFAULT_LOCAL_PORT_MIN,
  DEFAULT_MAINTENANCE_LEAD,
  DEFAULT_SERVICE_HOST,
} from '../defaults.js';
import { flag, masterFlag } from '../flag-option.js';
import { lazy } from '../lazy-action.js';

const actions = () => import('./apps-action.js');

function urlFlag(): Option {
  return flag('--url <url>', 'the apps API', DEFAULT_APPS_URL);
}

export function appsCommand(ctx: CommandContext): Command {
  const apps = new Command('apps').description('Long-running services (a Marathon-compatible framework): serve it, deploy apps, look at them.');
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
        flag(
          '--maintenance-lead <duration>',
          "place no new instances on an agent whose maintenance window starts this soon or has started (Marathon's --draining_seconds); 0 = only once it has started",
          DEFAULT_MAINTENANCE_LEAD,
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
  ).action(lazy(actions, (m) => m.serveApps(ctx, serve)));

  const deploy: Command = new Command('deploy')
    .description('Create or replace the app in FILE (Marathon JSON) and follow its deployment live; exit 0 when it succeeds, 1 when it fails.')
    .argument('<file>')
    .addOption(urlFlag())
    .option('--force', 'override a deployment in progress')
    .addOption(flag('--poll <seconds>', 'how often progress is read', 0.5))
    .addOption(flag('--timeout <seconds>', 'give up after this long; 0 = wait as long as it takes', 0))
    .action(lazy(actions, (m, file: string) => m.deployAppFile(ctx, deploy, file)));

  const list: Command = new Command('list')
    .description('List apps: instances, running, healthy, deployments.')
    .addOption(urlFlag())
    .option('--json', 'print the JSON')
    .action(lazy(actions, (m) => m.listApps(ctx, list)));

  const show: Command = new Command('show')
    .description("Show an app with its tasks, deployments and why it waits (JSON; Tandem's fields with Marathon's, ?embed=tandem).")
    .argument('<id>')
    .addOption(urlFlag())
    .action(lazy(actions, (m, id: string) => m.showApp(ctx, show, id)));
  const tasks: Command = new Command('tasks')
    .description("List an app's tasks (JSON, with each task's instance id, condition and goal).")
    .argument('<id>')
    .addOption(urlFlag())
    .action(lazy(actions, (m, id: string) => m.appTasks(ctx, tasks, id)));
  const scale: Command = new Command('scale')
    .description("Set an app's instance count.")
    .argument('<id>')
    .argument('<instances>')
    .addOption(urlFlag())
    .option('--force', 'override a deployment in progress')
    .action(lazy(actions, (m, id: string, n: string) => m.scaleApp(ctx, scale, id, n)));
  const restart: Command = new Command('restart')
    .description('Rolling restart of an app.')
    .argument('<id>')
    .addOption(urlFlag())
    .option('--force', 'override a deployment in progress')
    .action(lazy(actions, (m, id: string) => m.restartApp(ctx, restart, id)));
  const del: Command = new Command('delete')
    .description('Delete an app (its tasks are killed).')
    .argument('<id>')
    .addOption(urlFlag())
    .option('--force', 'override a deployment in progress')
    .action(lazy(actions, (m, id: string) => m.deleteApp(ctx, del, id)));

  for (const sub of [serve, deploy, list, show, scale, restart, del, tasks]) {
    if (sub !== serve) addHttpClientTlsFlags(clientCredentialsFlag(sub));
    writeTo(sub, ctx.io);
    apps.addCommand(sub);
  }
  return apps;
}
