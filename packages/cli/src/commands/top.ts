import { Command } from 'commander';
import { writeTo } from '../cli-io.js';
import type { CommandContext } from '../command-context.js';
import { addClientAuthFlags } from '../common-flags.js';
import { DEFAULT_TOP_FRAMEWORKS } from '../defaults.js';
import { flag, masterFlag } from '../flag-option.js';
import { lazy } from '../lazy-action.js';

/** `tandem top`: the cluster's live utilisation, redrawn from Operator.Watch. */
export function topCommand(ctx: CommandContext): Command {
  const cmd = new Command('top')
    .description(
      "Live utilisation: the cluster's CPUs, memory and disk used of total, each agent's, and the frameworks with the largest dominant share; redrawn at each change the master's Watch stream tells, until Ctrl-C.",
    )
    .addOption(masterFlag())
    .addOption(flag('--once', 'print one frame and exit'))
    .addOption(flag('--json', "print the frame's numbers as JSON (one document; without --once, one a line at each change)"))
    .addOption(flag('--frameworks <n>', 'how many frameworks to show', DEFAULT_TOP_FRAMEWORKS));
  addClientAuthFlags(cmd, 'the operator').action(
    lazy(
      () => import('./top-action.js'),
      (m) => m.runTop(ctx, cmd),
    ),
  );
  return writeTo(cmd, ctx.io);
}
