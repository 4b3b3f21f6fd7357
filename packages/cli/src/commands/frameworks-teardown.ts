import type { TeardownFrameworkResponse } from '@tandem/protocol';
import { Command } from 'commander';
import { z } from 'zod';
import { writeTo } from '../cli-io.js';
import type { CommandContext } from '../command-context.js';
import { addClientAuthFlags, clientAuthFrom, clientAuthSchema } from '../credential-flags.js';
import { masterFlag } from '../flag-option.js';
import { unary, withOperator } from '../operator-call.js';
import { parseOptions } from '../parse-options.js';
import { masters } from '../schemas.js';

export const teardownSchema = z.object({ master: masters() }).extend(clientAuthSchema.shape);

/** `tandem frameworks teardown ID` (Operator.TeardownFramework). */
export function frameworksTeardownCommand(ctx: CommandContext): Command {
  const teardown = new Command('teardown')
    .description(
      'Remove a framework (Operator.TeardownFramework, ACL teardown_frameworks): its offers are rescinded, its tasks killed ' +
        '(REASON_FRAMEWORK_REMOVED), its connection ended, and it may not subscribe again under this id. It cannot be undone. ' +
        'Prints {"frameworkId", "tasksKilled"}.',
    )
    .argument('<framework-id>', 'the framework id (as `tandem frameworks` lists it)')
    .addOption(masterFlag())
    .action(async (frameworkId: string) => {
      const o = parseOptions(teardown, teardownSchema);
      const res = await withOperator(
        o.master,
        (client, deadline) => unary<object, TeardownFrameworkResponse>(client.TeardownFramework.bind(client), { frameworkId }, deadline),
        clientAuthFrom(o),
      );
      ctx.io.stdout(`${JSON.stringify({ frameworkId, tasksKilled: res.tasksKilled }, null, 2)}\n`);
    });
  return writeTo(addClientAuthFlags(teardown, 'the operator'), ctx.io);
}
