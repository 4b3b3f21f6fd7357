import type { MarkAgentGoneResponse } from '@tandem/protocol';
import { Command } from 'commander';
import { z } from 'zod';
import { writeTo } from '../cli-io.js';
import type { CommandContext } from '../command-context.js';
import { addClientAuthFlags, clientAuthFrom, clientAuthSchema } from '../credential-flags.js';
import { masterFlag } from '../flag-option.js';
import { listCommand, listSchema } from '../listing/list-command.js';
import { agentsListing } from '../listing/views.js';
import { unary, withOperator } from '../operator-call.js';
import { parseOptions } from '../parse-options.js';
import { masters } from '../schemas.js';
import { agentDrainCommands } from './agent-drain.js';

export const agentsSchema = z.object({ master: masters() }).extend(clientAuthSchema.shape);

/** `tandem agents` (the agents of Operator.GetState) and `tandem agents gone ID` (Operator.MarkAgentGone). */
export function agentsCommand(ctx: CommandContext): Command {
  const agents = new Command('agents').description("The master's agents: list them, or mark one gone for good.");

  const list = listCommand(ctx, {
    name: 'list',
    description: 'Print every agent the master holds: id, hostname, status, CPUs/memory/disk used of total, tasks (--json: as JSON).',
    schema: listSchema,
    listing: (state) => agentsListing(state),
  });

  const gone = new Command('gone')
    .description(
      'Mark an agent gone for good (Operator.MarkAgentGone), e.g. after its machine was decommissioned: its tasks become ' +
        'TASK_GONE_BY_OPERATOR, it is never offered again, and it may never register again under this id (a live one is told to ' +
        'shut down). It cannot be undone.',
    )
    .argument('<agent-id>', 'the agent id (as `tandem agents` lists it)')
    .addOption(masterFlag())
    .action(async (agentId: string) => {
      const o = parseOptions(gone, agentsSchema);
      const res = await withOperator(
        o.master,
        (client, deadline) => unary<object, MarkAgentGoneResponse>(client.MarkAgentGone.bind(client), { agentId }, deadline),
        clientAuthFrom(o),
      );
      ctx.io.stdout(`${JSON.stringify({ agentId, goneAt: new Date(res.goneAt * 1000).toISOString(), tasksGone: res.tasksGone }, null, 2)}\n`);
    });

  writeTo(addClientAuthFlags(gone, 'the operator'), ctx.io);
  // Subcommands: `list` (the default), `gone`; more (e.g. drain, reactivate) go in this list.
  for (const sub of [list, gone, ...agentDrainCommands(ctx)]) agents.addCommand(sub, { isDefault: sub === list });
  return agents;
}
