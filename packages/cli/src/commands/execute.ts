import { Command } from 'commander';
import type { CommandContext } from '../command-context.js';
import { addClientAuthFlags } from '../common-flags.js';
import { DEFAULT_DECLINE_SECONDS, DEFAULT_EXECUTE_CPUS, DEFAULT_EXECUTE_DISK, DEFAULT_EXECUTE_MEM } from '../defaults.js';
import { flag, masterFlag } from '../flag-option.js';
import { lazy } from '../lazy-action.js';

const actions = () => import('./execute-action.js');

/** A repeatable flag's values so far, and this one. */
function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

export function executeCommand(ctx: CommandContext): Command {
  const cmd = new Command('execute')
    .description(
      "Run one command as a task (like mesos-execute): wait for an offer, launch, print each state change and the task's output; exit with the task's exit code.",
    )
    .usage('--master HOST:PORT [options] -- CMD [ARGS...]')
    .argument('[command...]', "the argv, run as is (no shell); with --image it may be empty to run the image's CMD")
    .addOption(masterFlag())
    .addOption(flag('--image <image>', 'run in this Docker image (container type DOCKER); without it the process containerizer runs the command'))
    .addOption(flag('--cpus <n>', 'CPUs for the task', DEFAULT_EXECUTE_CPUS))
    .addOption(flag('--mem <mib>', 'memory for the task, MiB', DEFAULT_EXECUTE_MEM))
    .addOption(flag('--disk <mib>', 'disk for the task, MiB', DEFAULT_EXECUTE_DISK))
    .addOption(flag('--env <NAME=VALUE>', 'an environment variable for the task; repeat for more').argParser(collect).default([], 'none'))
    .addOption(
      flag('--secret-env <NAME=SOURCE>', 'an environment variable whose value the agent reads from its --secrets-dir (the file SOURCE there); repeat for more')
        .argParser(collect)
        .default([], 'none'),
    )
    .addOption(
      flag(
        '--volume <HOST:CONTAINER[:ro|rw]>',
        'with --image: bind-mount a host path (absolute) into the container; the agent must allow it (--docker-allow host-mounts:PREFIX); repeat for more',
      )
        .argParser(collect)
        .default([], 'none'),
    )
    .addOption(
      flag('--cap-add <NAME>', 'with --image: add a capability (e.g. NET_ADMIN); the agent must allow it (--docker-allow cap:NAME); repeat for more')
        .argParser(collect)
        .default([], 'none'),
    )
    .addOption(flag('--name <name>', "the task's name (and its id's prefix) (default: the command's basename)"))
    .addOption(flag('--grace-period <seconds>', "SIGTERM-to-SIGKILL grace when the task is killed (default: the agent's, 3 s)"))
    .addOption(flag('--timeout <seconds>', 'kill the task and exit 1 after this long; 0 = no limit', 0))
    .addOption(flag('--decline-seconds <seconds>', 'refuse_seconds for offers it does not need', DEFAULT_DECLINE_SECONDS))
    .action(lazy(actions, (m, argv: string[]) => m.runExecuteCommand(ctx, cmd, argv)));
  addClientAuthFlags(cmd, 'the operator');
  return cmd;
}
