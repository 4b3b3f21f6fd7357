import { Command } from 'commander';
import { writeTo } from '../cli-io.js';
import type { CommandContext } from '../command-context.js';
import { addClientAuthFlags } from '../common-flags.js';
import { masterFlag } from '../flag-option.js';
import { lazy } from '../lazy-action.js';

const actions = () => import('./operator-actions.js');

/** `tandem weights` (Operator.GetWeights) and `tandem weights set ROLE=W...` (Operator.UpdateWeights). */
export function weightsCommand(ctx: CommandContext): Command {
  const weights = new Command('weights').description('Role weights: print them, or set many roles at once (all or nothing; weight 1 = the default).');

  const get: Command = new Command('get')
    .description('Print every role whose weight is not 1 (Operator.GetWeights) as JSON.')
    .addOption(masterFlag())
    .action(lazy(actions, (m) => m.getWeights(ctx, get)));

  const set: Command = new Command('set')
    .description('Set role weights (Operator.UpdateWeights), e.g. `tandem weights set eng=3 eng/ci=0.5`; prints the weights after.')
    .argument('<role=weight...>', 'a role and its weight (> 0)')
    .addOption(masterFlag())
    .action(lazy(actions, (m, pairs: string[]) => m.setWeights(ctx, set, pairs)));

  weights.addCommand(get, { isDefault: true });
  weights.addCommand(set);
  for (const sub of [get, set]) writeTo(addClientAuthFlags(sub, 'the operator'), ctx.io);
  return weights;
}
