import { Command } from 'commander';
import { writeTo } from '../cli-io.js';
import type { CommandContext } from '../command-context.js';
import { addClientAuthFlags } from '../common-flags.js';
import { masterFlag } from '../flag-option.js';
import { lazy } from '../lazy-action.js';

/** `tandem frameworks teardown ID` (Operator.TeardownFramework). */
export function frameworksTeardownCommand(ctx: CommandContext): Command {
  const teardown: Command = new Command('teardown')
    .description(
      'Remove a framework (Operator.TeardownFramework, ACL teardown_frameworks): its offers are rescinded, its tasks killed ' +
        '(REASON_FRAMEWORK_REMOVED), its connection ended, and it may not subscribe again under this id. It cannot be undone. ' +
        'Prints {"frameworkId", "tasksKilled"}.',
    )
    .argument('<framework-id>', 'the framework id (as `tandem frameworks` lists it)')
    .addOption(masterFlag())
    .action(
      lazy(
        () => import('./operator-actions.js'),
        (m, frameworkId: string) => m.teardownFramework(ctx, teardown, frameworkId),
      ),
    );
  return writeTo(addClientAuthFlags(teardown, 'the operator'), ctx.io);
}
