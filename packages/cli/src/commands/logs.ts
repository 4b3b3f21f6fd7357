import { checkId } from '@tandem/protocol';
import { Command } from 'commander';
import { z } from 'zod';
import type { CommandContext } from '../command-context.js';
import { flag, masterFlag } from '../flag-option.js';
import { withOperator } from '../operator-call.js';
import { parseOptions } from '../parse-options.js';
import { readTaskLog } from '../read-task-log.js';
import { address } from '../schemas.js';

export const logsSchema = z.object({ master: address(), stderr: z.boolean().optional() });

export function logsCommand(ctx: CommandContext): Command {
  const cmd = new Command('logs')
    .description("Print a task's stdout (or stderr) through the master (Operator.ReadTaskLog).")
    .argument('<task-id>', 'the task id')
    .addOption(masterFlag())
    .addOption(flag('--stderr', 'print stderr instead of stdout'))
    .action(async (taskId: string) => {
      const o = parseOptions(cmd, logsSchema);
      checkId('TASK_ID', taskId);
      await withOperator(o.master, (client, deadline) =>
        readTaskLog(client, { taskId, name: o.stderr ? 'stderr' : 'stdout', write: (d) => ctx.io.stdout(d), deadline, attempts: 1 }),
      );
    });
  return cmd;
}
