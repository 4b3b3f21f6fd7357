import { Command } from 'commander';
import type { CommandContext } from '../command-context.js';
import { addHttpAuthFlags, addNatsEventsFlags } from '../common-flags.js';
import {
  DEFAULT_AGENT_PORT,
  DEFAULT_APPS_PORT,
  DEFAULT_HTTP_PORT,
  DEFAULT_JOBS_PORT,
  DEFAULT_MASTER_PORT,
  DEFAULT_UP_BIND,
  DEFAULT_WORK_DIR,
} from '../defaults.js';
import { flag } from '../flag-option.js';
import { lazy } from '../lazy-action.js';

const actions = () => import('./up-action.js');

export function upCommand(ctx: CommandContext): Command {
  const cmd: Command = addHttpAuthFlags(
    addNatsEventsFlags(new Command('up'))
      .description(
        'Run a whole cluster in this process: a master (with the web UI), one agent (Docker when a Docker Engine answers, the process containerizer as well), the apps framework and the jobs framework, and print every URL. Ctrl-C stops them and kills their tasks (processes and containers) unless --keep-tasks.',
      )
      .addOption(
        flag(
          '--bind <host>',
          'the interface every listener binds (master gRPC and HTTP, agent HTTP, apps, jobs); 0.0.0.0 exposes them to the network, unauthenticated unless credentials are set',
          DEFAULT_UP_BIND,
        ),
      )
      .addOption(flag('--work-dir <dir>', 'parent of the master/, agent/, apps/ and jobs/ work dirs', DEFAULT_WORK_DIR))
      .addOption(flag('--port <port>', 'master gRPC port; 0 = any free port', DEFAULT_MASTER_PORT))
      .addOption(flag('--http-port <port>', 'master HTTP port; 0 = any free port, -1 = off', DEFAULT_HTTP_PORT))
      .addOption(flag('--jobs-port <port>', 'jobs framework REST API port; 0 = any free port, -1 = no jobs framework', DEFAULT_JOBS_PORT))
      .addOption(flag('--apps-port <port>', 'apps framework REST API port; 0 = any free port, -1 = no apps framework', DEFAULT_APPS_PORT))
      .addOption(flag('--agent-http-port <port>', "the agent's HTTP API port (/health, /api/v1/state); 0 = any free port, -1 = off", DEFAULT_AGENT_PORT))
      .addOption(flag('--keep-tasks', 'Ctrl-C leaves the tasks running (the agent recovers them on the next tandem up with this --work-dir)')),
  ).action(lazy(actions, (m) => m.runUp(ctx, cmd)));
  return cmd;
}
