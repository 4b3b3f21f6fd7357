import { Command } from 'commander';
import { writeTo } from '../cli-io.js';
import type { CommandContext } from '../command-context.js';
import { addClientAuthFlags } from '../common-flags.js';
import { masterFlag } from '../flag-option.js';
import { lazy } from '../lazy-action.js';
import { listCommand } from '../listing/list-command.js';
import { agentDrainCommands } from './agent-drain.js';

/** `tandem agents` (the agents of Operator.GetState) and `tandem agents gone ID` (Operator.MarkAgentGone). */
export function agentsCommand(ctx: CommandContext): Command {
  const agents = new Command('agents').description("The master's agents: list them, or mark one gone for good.");

  const list = listCommand(ctx, {
    name: 'list',
    description: 'Print every agent the master holds: id, hostname, status, CPUs/memory/disk used of total, tasks (--json: as JSON).',
    view: () => import('../listing/list-views.js').then((m) => m.agentsView),
  });

  const gone: Command = new Command('gone')
    .description(
      'Mark an agent gone for good (Operator.MarkAgentGone), e.g. after its machine was decommissioned: its tasks become ' +
        'TASK_GONE_BY_OPERATOR, it is never offered again, and it may never register again under this id (a live one is told to ' +
        'shut down). It cannot be undone.',
    )
    .argument('<agent-id>', 'the agent id (as `tandem agents` lists it)')
    .addOption(masterFlag())
    .action(
      lazy(
        () => import('./operator-actions.js'),
        (m, agentId: string) => m.markAgentGone(ctx, gone, agentId),
      ),
    );

  writeTo(addClientAuthFlags(gone, 'the operator'), ctx.io);
  // Subcommands: `list` (the default), `gone`; more (e.g. drain, reactivate) go in this list.
  for (const sub of [list, gone, ...agentDrainCommands(ctx)]) agents.addCommand(sub, { isDefault: sub === list });
  return agents;
}
