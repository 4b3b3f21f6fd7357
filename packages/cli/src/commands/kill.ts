import type { OperatorKillTaskResponse } from '@tandem/protocol';
import { Command } from 'commander';
import { z } from 'zod';
import { writeTo } from '../cli-io.js';
import type { CommandContext } from '../command-context.js';
import { addClientAuthFlags, clientAuthFrom, clientAuthSchema } from '../credential-flags.js';
import { durationSeconds } from '../duration-flag.js';
import { flag, masterFlag } from '../flag-option.js';
import { unary, withOperator } from '../operator-call.js';
import { parseOptions } from '../parse-options.js';
import { masters } from '../schemas.js';

export const killSchema = z
  .object({
    master: masters(),
    framework: z.string().min(1, 'must not be empty').optional(),
    grace: durationSeconds()
      .refine((s) => s > 0, 'must be longer than 0')
      .optional(),
  })
  .extend(clientAuthSchema.shape);

/** `tandem kill TASK [--framework ID] [--grace 10s]` (Operator.KillTask). */
export function killCommand(ctx: CommandContext): Command {
  const kill = new Command('kill')
    .description(
      'Kill a task (Operator.KillTask, ACL kill_tasks): its agent kills it (REASON_KILLED_BY_OPERATOR) and its framework decides ' +
        "what follows (apps launch a replacement). Prints the task's framework, agent and state as JSON; the kill's outcome " +
        'shows in `tandem tasks`.',
    )
    .argument('<task-id>', 'the task id')
    .addOption(masterFlag())
    .addOption(flag('--framework <id>', 'the framework of the task (needed only when frameworks share the task id)'))
    .addOption(flag('--grace <duration>', "the kill's grace before SIGKILL, e.g. 10s (default: the task's own)"))
    .action(async (taskId: string) => {
      const o = parseOptions(kill, killSchema);
      const res = await withOperator(
        o.master,
        (client, deadline) =>
          unary<object, OperatorKillTaskResponse>(
            client.KillTask.bind(client),
            { taskId, ...(o.framework ? { frameworkId: o.framework } : {}), ...(o.grace === undefined ? {} : { gracePeriodSeconds: o.grace }) },
            deadline,
          ),
        clientAuthFrom(o),
      );
      ctx.io.stdout(`${JSON.stringify({ taskId, frameworkId: res.frameworkId, agentId: res.agentId, state: res.state, killed: true }, null, 2)}\n`);
    });
  return writeTo(addClientAuthFlags(kill, 'the operator'), ctx.io);
}
