import { Command } from 'commander';
import type { CommandContext } from '../command-context.js';
import { addClientAuthFlags } from '../common-flags.js';
import { masterFlag } from '../flag-option.js';
import { lazy } from '../lazy-action.js';

export function stateCommand(ctx: CommandContext): Command {
  const cmd = new Command('state').description('Print the cluster state (Operator.GetState) as JSON.').addOption(masterFlag());
  return addClientAuthFlags(cmd, 'the operator').action(
    lazy(
      () => import('./operator-actions.js'),
      (m) => m.printState(ctx, cmd),
    ),
  );
}
