import { Command } from 'commander';
import type { CommandContext } from '../command-context.js';
import { listCommand } from '../listing/list-command.js';
import { frameworksTeardownCommand } from './frameworks-teardown.js';

/**
 * `tandem frameworks` (the default subcommand `list`). A subcommand added to the list
 * below (e.g. `teardown`) becomes `tandem frameworks NAME`.
 */
export function frameworksCommand(ctx: CommandContext): Command {
  const frameworks = new Command('frameworks').description("The master's frameworks: list them.");
  const list = listCommand(ctx, {
    name: 'list',
    description: 'Print every framework: id, name, roles, principal, connected, tasks, resources used and dominant share (--json: as JSON).',
    view: () => import('../listing/list-views.js').then((m) => m.frameworksView),
  });
  for (const sub of [list, frameworksTeardownCommand(ctx)]) frameworks.addCommand(sub, { isDefault: sub === list });
  return frameworks;
}
