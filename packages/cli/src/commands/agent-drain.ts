import type { DrainAgentResponse, ReactivateAgentResponse } from '@tandem/protocol';
import { Command, Option } from 'commander';
import { z } from 'zod';
import { writeTo } from '../cli-io.js';
import type { CommandContext } from '../command-context.js';
import { addClientAuthFlags, clientAuthFrom, clientAuthSchema } from '../credential-flags.js';
import { durationSeconds } from '../duration-flag.js';
import { flag, masterFlag } from '../flag-option.js';
import { unary, withOperator } from '../operator-call.js';
import { parseOptions } from '../parse-options.js';
import { masters } from '../schemas.js';

export const drainSchema = z
  .object({ master: masters(), grace: durationSeconds().optional(), markGone: z.boolean().default(false) })
  .extend(clientAuthSchema.shape);
export const reactivateSchema = z.object({ master: masters() }).extend(clientAuthSchema.shape);

/** `tandem agents drain ID [--grace 60s] [--mark-gone]` (Operator.DrainAgent) and `tandem agents reactivate ID` (Operator.ReactivateAgent). */
export function agentDrainCommands(ctx: CommandContext): Command[] {
  const drain = new Command('drain')
    .description(
      'Drain an agent (Operator.DrainAgent): it gets no new offers, and its tasks are killed (REASON_AGENT_DRAINING) within ' +
        'their own kill grace or --grace, whichever is shorter, so their frameworks run them elsewhere. The agent is DRAINING ' +
        'until none of its tasks runs, then DRAINED (see `tandem agents`); it stays out of the offers until `tandem agents reactivate`. ' +
        'Kept in the master registry. Prints the drain as JSON.',
    )
    .argument('<agent-id>', 'the agent id (as `tandem agents` lists it)')
    .addOption(masterFlag())
    .addOption(flag('--grace <duration>', "the longest a task's kill may take, e.g. 60s, 2m, 0 (at once) (default: each task's own kill grace)"))
    .addOption(new Option('--mark-gone', 'once DRAINED, mark the agent gone for good (it may never register again)').env('TANDEM_MARK_GONE'))
    .action(async (agentId: string) => {
      const o = parseOptions(drain, drainSchema);
      const res = await withOperator(
        o.master,
        (client, deadline) =>
          unary<object, DrainAgentResponse>(
            client.DrainAgent.bind(client),
            { agentId, markGone: o.markGone, ...(o.grace === undefined ? {} : { gracePeriodSeconds: o.grace }) },
            deadline,
          ),
        clientAuthFrom(o),
      );
      const info = res.drainInfo;
      ctx.io.stdout(
        `${JSON.stringify(
          {
            agentId,
            state: info?.state.replace('DRAIN_STATE_', ''),
            gracePeriodSeconds: info?._gracePeriodSeconds === 'gracePeriodSeconds' ? info.gracePeriodSeconds : undefined,
            markGone: info?.markGone,
            tasksKilled: res.tasksKilled,
          },
          null,
          2,
        )}\n`,
      );
    });

  const reactivate = new Command('reactivate')
    .description('End an agent\'s drain (Operator.ReactivateAgent): it is offered again. Prints {"agentId", "reactivated"} (false: it was not draining).')
    .argument('<agent-id>', 'the agent id')
    .addOption(masterFlag())
    .action(async (agentId: string) => {
      const o = parseOptions(reactivate, reactivateSchema);
      const res = await withOperator(
        o.master,
        (client, deadline) => unary<object, ReactivateAgentResponse>(client.ReactivateAgent.bind(client), { agentId }, deadline),
        clientAuthFrom(o),
      );
      ctx.io.stdout(`${JSON.stringify({ agentId, reactivated: res.reactivated }, null, 2)}\n`);
    });

  for (const sub of [drain, reactivate]) writeTo(addClientAuthFlags(sub, 'the operator'), ctx.io);
  return [drain, reactivate];
}
