import { Command } from 'commander';
import type { CommandContext } from '../command-context.js';
import {
  addAclsFlag,
  addCorsFlag,
  addCredentialsFlag,
  addHaFlags,
  addHttpAuthFlags,
  addLimitFlags,
  addNatsEventsFlags,
  addTlsFlags,
  addUiLinksFlags,
} from '../common-flags.js';
import {
  DEFAULT_AGENT_PING_INTERVAL_SECONDS,
  DEFAULT_AGENT_REREGISTER_TIMEOUT_SECONDS,
  DEFAULT_ALLOCATION_INTERVAL_SECONDS,
  DEFAULT_HOST,
  DEFAULT_HTTP_PORT,
  DEFAULT_MASTER_PORT,
  DEFAULT_MASTER_WORK_DIR,
  DEFAULT_MAX_MISSED_PINGS,
  DEFAULT_OFFER_TIMEOUT_SECONDS,
} from '../defaults.js';
import { flag } from '../flag-option.js';
import { lazy } from '../lazy-action.js';

const actions = () => import('./master-action.js');

export function masterCommand(ctx: CommandContext): Command {
  const cmd = new Command('master')
    .description('Run a Tandem master: the allocator, the Scheduler/Agent/Operator gRPC services and the HTTP API.')
    .addOption(flag('--host <host>', 'interface both servers bind', DEFAULT_HOST))
    .addOption(flag('--port <port>', 'gRPC port (Scheduler, Agent, Operator services); 0 = any free port', DEFAULT_MASTER_PORT))
    .addOption(flag('--http-port <port>', 'HTTP port (state, /metrics, UI); 0 = any free port, -1 = off', DEFAULT_HTTP_PORT))
    .addOption(flag('--work-dir <dir>', 'directory of the registry and logs', DEFAULT_MASTER_WORK_DIR))
    .addOption(flag('--agent-ping-interval <seconds>', 'how often the master pings each agent', DEFAULT_AGENT_PING_INTERVAL_SECONDS))
    .addOption(flag('--max-missed-pings <n>', 'missed pings after which an agent is unreachable', DEFAULT_MAX_MISSED_PINGS))
    .addOption(
      flag(
        '--agent-reregister-timeout <seconds>',
        "after a restart, how long to wait for the registry's agents to come back before their tasks are TASK_UNREACHABLE (no verdict on them until then)",
        DEFAULT_AGENT_REREGISTER_TIMEOUT_SECONDS,
      ),
    )
    .addOption(
      flag(
        '--agent-removal-rate-limit <N/DURATION>',
        'mark at most N agents per DURATION unreachable for missing their pings (e.g. 1/20s, 5/1m; Mesos: 1/20mins); the others wait, so a network blip cannot empty the cluster (default: unlimited)',
      ),
    )
    .addOption(flag('--offer-timeout <seconds>', 'rescind offers left unanswered this long; 0 = never', DEFAULT_OFFER_TIMEOUT_SECONDS))
    .addOption(
      flag('--allocation-interval <seconds>', 'period of batch allocation (freed resources are also offered at once)', DEFAULT_ALLOCATION_INTERVAL_SECONDS),
    )
    .addOption(
      flag(
        '--weights <role=w,...>',
        "start-up role weights, e.g. 'eng=3,eng/ci=0.5'; ignored once the registry holds weights (set them with `tandem weights set`)",
      ),
    );
  addHaFlags(cmd, 'the master');
  addTlsFlags(cmd, 'the master', true);
  addLimitFlags(cmd);
  addHttpAuthFlags(cmd, 'the HTTP API', '/health');
  addCorsFlag(cmd);
  addUiLinksFlags(cmd);
  addAclsFlag(
    cmd,
    'the gRPC and HTTP APIs (register_frameworks, run_tasks, run_images, register_agents, kill_tasks, teardown_frameworks, view, update_weights, update_quotas, mark_agent_gone)',
  );
  addCredentialsFlag(cmd);
  addNatsEventsFlags(cmd);
  cmd.action(lazy(actions, (m) => m.runMaster(ctx, cmd)));
  return cmd;
}
