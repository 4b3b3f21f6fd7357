import type { Command } from 'commander';
import type { CommandContext } from '../command-context.js';
import { flag } from '../flag-option.js';
import { listCommand } from '../listing/list-command.js';

/** `tandem tasks`: the live tasks (with --all the finished ones the master keeps too), filtered by state, framework or agent. */
export function tasksCommand(ctx: CommandContext): Command {
  return listCommand(ctx, {
    name: 'tasks',
    description: "Print the cluster's live tasks: id, name, state, framework, host, CPUs, memory (--json: as JSON); filter with --state, --framework, --agent.",
    options: [
      flag('--state <state>', 'only tasks in this state (running, staging, finished, failed, ...; a finished state includes the finished tasks)'),
      flag('--framework <id-or-name>', "only this framework's tasks"),
      flag('--agent <id-or-hostname>', "only this agent's tasks"),
      flag('--all', 'the finished tasks the master keeps too'),
    ],
    view: () => import('../listing/list-views.js').then((m) => m.tasksView),
  });
}
