import type { WeightsResponse } from '@tandem/protocol';
import { Command } from 'commander';
import { z } from 'zod';
import { writeTo } from '../cli-io.js';
import type { CommandContext } from '../command-context.js';
import { addClientAuthFlags, clientAuthFrom, clientAuthSchema } from '../credential-flags.js';
import { masterFlag } from '../flag-option.js';
import { unary, withOperator } from '../operator-call.js';
import { parseOptions } from '../parse-options.js';
import { parseWeight } from '../role-flags.js';
import { masters } from '../schemas.js';

export const weightsSchema = z.object({ master: masters() }).extend(clientAuthSchema.shape);

/** `tandem weights` (Operator.GetWeights) and `tandem weights set ROLE=W...` (Operator.UpdateWeights). */
export function weightsCommand(ctx: CommandContext): Command {
  const weights = new Command('weights').description('Role weights: print them, or set many roles at once (all or nothing; weight 1 = the default).');
  const out = (res: WeightsResponse): void => ctx.io.stdout(`${JSON.stringify({ weights: res.weights }, null, 2)}\n`);

  const get = new Command('get')
    .description('Print every role whose weight is not 1 (Operator.GetWeights) as JSON.')
    .addOption(masterFlag())
    .action(async () => {
      const o = parseOptions(get, weightsSchema);
      out(await withOperator(o.master, (client, deadline) => unary<object, WeightsResponse>(client.GetWeights.bind(client), {}, deadline), clientAuthFrom(o)));
    });

  const set = new Command('set')
    .description('Set role weights (Operator.UpdateWeights), e.g. `tandem weights set eng=3 eng/ci=0.5`; prints the weights after.')
    .argument('<role=weight...>', 'a role and its weight (> 0)')
    .addOption(masterFlag())
    .action(async (pairs: string[]) => {
      const o = parseOptions(set, weightsSchema);
      const list = pairs.map((p, i) => parseWeight(p, `ROLE=WEIGHT #${i + 1}`));
      out(
        await withOperator(
          o.master,
          (client, deadline) => unary<object, WeightsResponse>(client.UpdateWeights.bind(client), { weights: list }, deadline),
          clientAuthFrom(o),
        ),
      );
    });

  weights.addCommand(get, { isDefault: true });
  weights.addCommand(set);
  for (const sub of [get, set]) writeTo(addClientAuthFlags(sub, 'the operator'), ctx.io);
  return weights;
}
