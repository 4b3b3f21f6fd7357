import type { ClusterState } from '@tandem/protocol';
import { Command } from 'commander';
import { z } from 'zod';
import type { CommandContext } from '../command-context.js';
import { addClientAuthFlags, clientAuthFrom, clientAuthSchema } from '../credential-flags.js';
import { masterFlag } from '../flag-option.js';
import { unary, withOperator } from '../operator-call.js';
import { parseOptions } from '../parse-options.js';
import { masters } from '../schemas.js';

export const stateSchema = z.object({ master: masters() }).extend(clientAuthSchema.shape);

export function stateCommand(ctx: CommandContext): Command {
  const cmd = new Command('state').description('Print the cluster state (Operator.GetState) as JSON.').addOption(masterFlag());
  addClientAuthFlags(cmd, 'the operator').action(async () => {
    const o = parseOptions(cmd, stateSchema);
    const state = await withOperator(
      o.master,
      (client, deadline) => unary<object, ClusterState>(client.GetState.bind(client), {}, deadline),
      clientAuthFrom(o),
    );
    ctx.io.stdout(`${JSON.stringify(state, null, 2)}\n`);
  });
  return cmd;
}
