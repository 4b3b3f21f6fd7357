import { checkId } from '@tandem/protocol';
import { Command } from 'commander';
import { z } from 'zod';
import type { CommandContext } from '../command-context.js';
import { addClientAuthFlags, clientAuthFrom, clientAuthSchema } from '../credential-flags.js';
import { flag, masterFlag } from '../flag-option.js';
import { withOperator } from '../operator-call.js';
import { parseOptions } from '../parse-options.js';
import { readTaskLog } from '../read-task-log.js';
import { masters } from '../schemas.js';

export const logsSchema = z.object({ master: masters(), stderr: z.boolean().optional() }).extend(clientAuthSchema.shape);

export function logsCommand(ctx: CommandContext): Command {
  const cmd = new Command('logs')
    .description("Print a task's stdout (or stderr) through the master (Operator.ReadTaskLog).")
    .argument('<task-id>', 'the task id')
    .addOption(masterFlag())
    .addOption(flag('--stderr', 'print stderr instead of stdout'))
    .action(async (taskId: string) => {
      const o = parseOptions(cmd, logsSchema);
      checkId('TASK_ID', taskId);
      // A failover mid-read goes on, on the leader, from the last byte written.
      let written = 0;
      const write = (d: Uint8Array): void => {
        written += d.length;
        ctx.io.stdout(d);
      };
      await withOperator(
        o.master,
        (client, deadline) => readTaskLog(client, { taskId, name: o.stderr ? 'stderr' : 'stdout', write, deadline, attempts: 1, offset: written }),
        clientAuthFrom(o),
      );
    });
  addClientAuthFlags(cmd, 'the operator');
  return cmd;
}
