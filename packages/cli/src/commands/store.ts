import { Command } from 'commander';
import type { CommandContext } from '../command-context.js';
import { flag } from '../flag-option.js';
import { lazy } from '../lazy-action.js';

const actions = () => import('./store-action.js');

/**
 * `tandem store check|repair DIR`: what a file store holds and where it is damaged, and
 * salvage of what is readable. DIR is a store directory (holding `store.log`) or a work
 * dir holding one: a master's `registry/`, an apps or jobs service's `store/`.
 */
export function storeCommand(ctx: CommandContext): Command {
  const cmd = new Command('store').description('Inspect and repair a file store (a master registry, an apps or jobs store).');
  const check: Command = new Command('check')
    .description('Read a store without changing it: records, keys, revision, the holder, and where it is torn or damaged. Exits 2 when it would not open.')
    .argument('<dir>', 'the store directory, or a work dir holding registry/ or store/')
    .addOption(flag('--json', 'print the report as JSON'))
    .action(lazy(actions, (m, dir: string) => m.checkStoreDir(ctx, check, dir)));
  const repair: Command = new Command('repair')
    .description(
      'Keep every readable record of a damaged store: the damaged files are moved aside (never deleted) and replaced by a snapshot of what was read. The store must not be open.',
    )
    .argument('<dir>', 'the store directory, or a work dir holding registry/ or store/')
    .addOption(flag('--json', 'print the result as JSON'))
    .action(lazy(actions, (m, dir: string) => m.repairStoreDir(ctx, repair, dir)));
  return cmd.addCommand(check).addCommand(repair);
}
