import { Command, Option } from 'commander';
import { writeTo } from '../cli-io.js';
import type { CommandContext } from '../command-context.js';
import { addClientAuthFlags } from '../common-flags.js';
import { flag, masterFlag } from '../flag-option.js';
import { lazy } from '../lazy-action.js';

const actions = () => import('./operator-actions.js');

/** `tandem agents drain ID [--grace 60s] [--mark-gone]` (Operator.DrainAgent) and `tandem agents reactivate ID` (Operator.ReactivateAgent). */
export function agentDrainCommands(ctx: CommandContext): Command[] {
  const drain: Command = new Command('drain')
    .description(
      'Drain an agent (Operator.DrainAgent): it gets no new offers, and its tasks are killed (REASON_AGENT_DRAINING) within ' +
        'their own kill grace or --grace, whichever is shorter, so their frameworks run them elsewhere. The agent is DRAINING ' +
        'until none of its tasks runs, then DRAINED (see `tandem agents`); it stays out of the offers until `tandem agents reactivate`. ' +
        'Kept in the master registry. Prints the drain as JSON (with --wait, once it is done).',
    )
    .argument('<agent-id>', 'the agent id (as `tandem agents` lists it)')
    .addOption(masterFlag())
    .addOption(flag('--grace <duration>', "the longest a task's kill may take, e.g. 60s, 2m, 0 (at once) (default: each task's own kill grace)"))
    .addOption(new Option('--mark-gone', 'once DRAINED, mark the agent gone for good (it may never register again)').env('TANDEM_MARK_GONE'))
    .addOption(
      new Option(
        '--wait',
        'follow the drain until the agent is DRAINED (gone, with --mark-gone), its running tasks counted on stderr; Ctrl-C stops following, not the drain',
      ).env('TANDEM_WAIT'),
    )
    .action(lazy(actions, (m, agentId: string) => m.drainAgent(ctx, drain, agentId)));

  const reactivate: Command = new Command('reactivate')
    .description('End an agent\'s drain (Operator.ReactivateAgent): it is offered again. Prints {"agentId", "reactivated"} (false: it was not draining).')
    .argument('<agent-id>', 'the agent id')
    .addOption(masterFlag())
    .action(lazy(actions, (m, agentId: string) => m.reactivateAgent(ctx, reactivate, agentId)));

  for (const sub of [drain, reactivate]) writeTo(addClientAuthFlags(sub, 'the operator'), ctx.io);
  return [drain, reactivate];
}
