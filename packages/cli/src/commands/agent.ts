// The light module only: the agent itself (dockerode, gRPC) loads when the command runs.
import { DOCKER_ALLOW_ITEMS } from '@tandem/agent/defaults';
import { Command } from 'commander';
import type { CommandContext } from '../command-context.js';
import { addCorsFlag, addCredentialFlag, addHttpAuthFlags, addTlsFlags, httpRateFlags } from '../common-flags.js';
import { DEFAULT_AGENT_PORT, DEFAULT_AGENT_WORK_DIR, DEFAULT_CONTAINERIZERS, DEFAULT_FETCH_MAX_URIS } from '../defaults.js';
import { flag, masterFlag } from '../flag-option.js';
import { lazy } from '../lazy-action.js';

const actions = () => import('./agent-action.js');

export function agentCommand(ctx: CommandContext): Command {
  const cmd = new Command('agent')
    .description("Run a Tandem agent: it dials the master, offers this host's resources and runs tasks in containers.")
    .addOption(masterFlag())
    .addOption(
      flag(
        '--port <port>',
        "port of the agent's HTTP /health and /api/v1/state (the agent dials the master; the master never connects here); 0 = any free port",
        DEFAULT_AGENT_PORT,
      ),
    )
    .addOption(flag('--work-dir <dir>', 'directory of checkpoints and task sandboxes', DEFAULT_AGENT_WORK_DIR))
    .addOption(flag('--hostname <name>', 'hostname the agent registers with (default: os.hostname())'))
    .addOption(flag('--containerizers <list>', 'containerizers to use, in preference order: docker,process; each must be available', DEFAULT_CONTAINERIZERS))
    .addOption(flag('--resources <spec>', 'override detected resources, Mesos syntax: "cpus:2;mem:2048;disk:10000;ports:[31000-32000]"'))
    .addOption(flag('--attributes <spec>', 'agent attributes, e.g. "rack:r1;zone:a"'))
    .addOption(flag('--docker-allow <list>', `what Docker tasks may ask for, all denied by default; comma-separated: ${DOCKER_ALLOW_ITEMS}`))
    .addOption(flag('--docker-images <globs>', "the images Docker tasks may use, e.g. 'registry.example/*,busybox:*' (* matches anything); default: any"))
    .addOption(
      flag(
        '--task-user <name>',
        "the user of process tasks that name none, neither in the command nor the framework (default: nobody when the agent runs as root, else the agent's own user)",
      ),
    )
    .addOption(flag('--allow-root-tasks', 'let process tasks run as root (refused by default)'))
    .addOption(flag('--docker-config <file>', "a Docker config.json whose registry credentials ('auths') are used for pulls"))
    .addOption(
      flag(
        '--fetch-allow-dir <dirs>',
        "the directories (comma-separated, absolute) whose files tasks may fetch by file URL (Marathon's fetch, CommandInfo.uris); none by default: http(s) only",
      ),
    )
    .addOption(
      flag(
        '--fetch-allow-loopback',
        "let tasks' http(s) URIs reach this host's loopback addresses (127.0.0.0/8, ::1); refused by default. Link-local addresses (169.254.0.0/16, fe80::/10: cloud metadata) are refused always",
      ),
    )
    .addOption(
      flag('--fetch-max-uris <n>', 'the most URIs (fetch, uris, artifacts) a task may carry; more is TASK_ERROR naming command.uris', DEFAULT_FETCH_MAX_URIS),
    )
    .addOption(
      flag(
        '--docker-bridge-network <name>',
        "the Docker network that tasks in bridge mode (Marathon's container/bridge, docker.network BRIDGE) join, their port mappings published on their host ports; default: bridge",
      ),
    )
    .addOption(
      flag(
        '--secrets-dir <dir>',
        'where the secrets that tasks reference are read: the secret "db" is the file <dir>/db (default: none; a task referencing a secret fails)',
      ),
    )
    .action(lazy(actions, (m) => m.runAgent(ctx, cmd)));
  addTlsFlags(cmd, 'the agent', true);
  addCredentialFlag(cmd, 'the agent');
  addHttpAuthFlags(cmd, "the agent's HTTP API", '/health');
  addCorsFlag(cmd);
  for (const option of httpRateFlags('/health')) cmd.addOption(option);
  return cmd;
}
