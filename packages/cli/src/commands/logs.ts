import { Command } from 'commander';
import type { CommandContext } from '../command-context.js';
import { addClientAuthFlags } from '../common-flags.js';
import { flag, masterFlag } from '../flag-option.js';
import { lazy } from '../lazy-action.js';

export function logsCommand(ctx: CommandContext): Command {
  const cmd: Command = new Command('logs')
    .description("Print a task's stdout (or stderr) through the master (Operator.ReadTaskLog); with -f, follow it until the task ends (exit 0) or Ctrl-C.")
    .argument('<task-id>', 'the task id')
    .addOption(masterFlag())
    .addOption(flag('--stderr', 'print stderr instead of stdout'))
    .addOption(flag('-f, --follow', 'keep printing what the task writes until it ends (its end told by Operator.Watch), like tail -f'))
    .action(
      lazy(
        () => import('./logs-action.js'),
        (m, taskId: string) => m.printTaskLog(ctx, cmd, taskId),
      ),
    );
  addClientAuthFlags(cmd, 'the operator');
  return cmd;
}
