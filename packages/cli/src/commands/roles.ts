import type { Command } from 'commander';
import type { CommandContext } from '../command-context.js';
import { listCommand } from '../listing/list-command.js';

/** `tandem roles`: every role with its weight, frameworks, use, dominant share and quota. */
export function rolesCommand(ctx: CommandContext): Command {
  return listCommand(ctx, {
    name: 'roles',
    description:
      'Print every role that has a weight, a quota or a framework: weight, frameworks, resources used, dominant share, quota guarantee and limit (--json: as JSON).',
    view: () => import('../listing/list-views.js').then((m) => m.rolesView),
  });
}
