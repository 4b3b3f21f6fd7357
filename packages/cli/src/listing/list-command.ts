import { Command, type Option } from 'commander';
import { writeTo } from '../cli-io.js';
import type { CommandContext } from '../command-context.js';
import { addClientAuthFlags } from '../common-flags.js';
import { flag, masterFlag } from '../flag-option.js';
import { lazy } from '../lazy-action.js';
import type { ListView } from './list-action.js';

export interface ListCommandSpec {
  name: string;
  description: string;
  /** Options beyond --master, --json, --watch and the client's credentials. */
  options?: Option[];
  /** The command's schema and rows (a ListView), loaded when it runs: `() => import('./x-view.js').then((m) => m.xView)`. */
  // biome-ignore lint/suspicious/noExplicitAny: each list has its own schema; runList checks the pair.
  view: () => Promise<ListView<any>>;
}

/**
 * A command that prints one list of the cluster: `--json`, `--watch` (redrawn from the
 * master's Watch stream until Ctrl-C) and the operator's credentials, as every list has.
 */
export function listCommand(ctx: CommandContext, spec: ListCommandSpec): Command {
  const cmd = new Command(spec.name)
    .description(spec.description)
    .addOption(masterFlag())
    .addOption(flag('--json', 'print one JSON document instead of a table (with --watch: one a line, at each change)'))
    .addOption(flag('--watch', "print again at each change the master's Watch stream tells, until Ctrl-C"));
  for (const option of spec.options ?? []) cmd.addOption(option);
  cmd.action(
    lazy(
      async () => ({ list: await import('./list-action.js'), view: await spec.view() }),
      ({ list, view }) => list.runList(ctx, cmd, view),
    ),
  );
  return writeTo(addClientAuthFlags(cmd, 'the operator'), ctx.io);
}
