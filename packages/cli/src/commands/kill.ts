import { Command } from 'commander';
import { writeTo } from '../cli-io.js';
import type { CommandContext } from '../command-context.js';
import { addClientAuthFlags } from '../common-flags.js';
import { flag, masterFlag } from '../flag-option.js';
import { lazy } from '../lazy-action.js';

/** `tandem kill TASK [--framework ID] [--grace 10s]` (Operator.KillTask). */
export function killCommand(ctx: CommandContext): Command {
  const kill: Command = new Command('kill')
    .description(
      'Kill a task (Operator.KillTask, ACL kill_tasks): its agent kills it (REASON_KILLED_BY_OPERATOR) and its framework decides ' +
        "what follows (apps launch a replacement). Prints the task's framework, agent and state as JSON; the kill's outcome " +
        'shows in `tandem tasks`.',
    )
    .argument('<task-id>', 'the task id')
    .addOption(masterFlag())
    .addOption(flag('--framework <id>', 'the framework of the task (needed only when frameworks share the task id)'))
    .addOption(flag('--grace <duration>', "the kill's grace before SIGKILL, e.g. 10s (default: the task's own)"))
    .action(
      lazy(
        () => import('./operator-actions.js'),
        (m, taskId: string) => m.killTask(ctx, kill, taskId),
      ),
    );
  return writeTo(addClientAuthFlags(kill, 'the operator'), ctx.io);
}
