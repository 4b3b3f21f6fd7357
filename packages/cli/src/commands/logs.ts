import { checkId } from '@tandem/protocol';
import { Command } from 'commander';
import { z } from 'zod';
import type { CommandContext } from '../command-context.js';
import { addClientAuthFlags, clientAuthFrom, clientAuthSchema } from '../credential-flags.js';
import { flag, masterFlag } from '../flag-option.js';
import { followTaskLog } from '../follow-task-log.js';
import { untilSignal } from '../listing/list-command.js';
import { withOperator } from '../operator-call.js';
import { parseOptions } from '../parse-options.js';
import { readTaskLog } from '../read-task-log.js';
import { masters } from '../schemas.js';

export const logsSchema = z.object({ master: masters(), stderr: z.boolean().optional(), follow: z.boolean().optional() }).extend(clientAuthSchema.shape);

export function logsCommand(ctx: CommandContext): Command {
  const cmd = new Command('logs')
    .description("Print a task's stdout (or stderr) through the master (Operator.ReadTaskLog); with -f, follow it until the task ends (exit 0) or Ctrl-C.")
    .argument('<task-id>', 'the task id')
    .addOption(masterFlag())
    .addOption(flag('--stderr', 'print stderr instead of stdout'))
    .addOption(flag('-f, --follow', 'keep printing what the task writes until it ends (its end told by Operator.Watch), like tail -f'))
    .action(async (taskId: string) => {
      const o = parseOptions(cmd, logsSchema);
      checkId('TASK_ID', taskId);
      // A failover mid-read goes on, on the leader, from the last byte written.
      let written = 0;
      const write = (d: Uint8Array): void => {
        written += d.length;
        ctx.io.stdout(d);
      };
      const name = o.stderr ? 'stderr' : 'stdout';
      if (!o.follow) {
        await withOperator(
          o.master,
          (client, deadline) => readTaskLog(client, { taskId, name, write, deadline, attempts: 1, offset: written }),
          clientAuthFrom(o),
        );
        return;
      }
      await untilSignal(ctx, async (signal) => {
        const state = await withOperator(o.master, (client) => followTaskLog(client, { taskId, name, write, signal, offset: written }), clientAuthFrom(o));
        if (state !== undefined && state !== 'TASK_FINISHED') ctx.io.stderr(`tandem logs: task ${taskId} ended ${state}\n`);
      });
    });
  addClientAuthFlags(cmd, 'the operator');
  return cmd;
}
