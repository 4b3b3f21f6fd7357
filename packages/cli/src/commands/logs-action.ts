import { checkId } from '@tandem/protocol';
import type { Command } from 'commander';
import { z } from 'zod';
import type { CommandContext } from '../command-context.js';
import { clientAuthFrom, clientAuthSchema } from '../credential-flags.js';
import { followTaskLog } from '../follow-task-log.js';
import { untilSignal } from '../listing/list-action.js';
import { withOperator } from '../operator-call.js';
import { parseOptions } from '../parse-options.js';
import { readTaskLog } from '../read-task-log.js';
import { masters } from '../schemas.js';

export const logsSchema = z.object({ master: masters(), stderr: z.boolean().optional(), follow: z.boolean().optional() }).extend(clientAuthSchema.shape);

/** `tandem logs TASK [--stderr] [-f]` (Operator.ReadTaskLog; with -f until the task ends). */
export async function printTaskLog(ctx: CommandContext, cmd: Command, taskId: string): Promise<void> {
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
    await withOperator(o.master, (client, deadline) => readTaskLog(client, { taskId, name, write, deadline, attempts: 1, offset: written }), clientAuthFrom(o));
    return;
  }
  await untilSignal(ctx, async (signal) => {
    const state = await withOperator(o.master, (client) => followTaskLog(client, { taskId, name, write, signal, offset: written }), clientAuthFrom(o));
    if (state !== undefined && state !== 'TASK_FINISHED') ctx.io.stderr(`tandem logs: task ${taskId} ended ${state}\n`);
  });
}
