import type { QuotaConfigInit, QuotaResponse } from '@tandem/protocol';
import { ValidationError } from '@tandem/protocol';
import { Command } from 'commander';
import { z } from 'zod';
import { writeTo } from '../cli-io.js';
import type { CommandContext } from '../command-context.js';
import { addClientAuthFlags, type ClientAuth, clientAuthFrom, clientAuthSchema } from '../credential-flags.js';
import { flag, masterFlag } from '../flag-option.js';
import { unary, withOperator } from '../operator-call.js';
import { parseOptions } from '../parse-options.js';
import { parseQuantities } from '../role-flags.js';
import { masters } from '../schemas.js';

export const quotaSchema = z.object({ master: masters() }).extend(clientAuthSchema.shape);
export const quotaSetSchema = quotaSchema.extend({
  guarantee: z.string().optional(),
  limit: z.string().optional(),
  force: z.boolean().optional(),
});

/** `tandem quota` (Operator.GetQuota), `tandem quota set ROLE ...` and `tandem quota remove ROLE...` (Operator.UpdateQuota). */
export function quotaCommand(ctx: CommandContext): Command {
  const quota = new Command('quota').description('Role quotas (guarantees and limits): print them, set or remove one.');
  const out = (res: QuotaResponse): void => ctx.io.stdout(`${JSON.stringify({ quotas: res.quotas }, null, 2)}\n`);
  const update = (master: string, quotas: QuotaConfigInit[], force: boolean, auth: ClientAuth) =>
    withOperator(master, (client, deadline) => unary<object, QuotaResponse>(client.UpdateQuota.bind(client), { quotas, force }, deadline), auth);

  const get = new Command('get')
    .description("Print every role's quota (Operator.GetQuota) as JSON.")
    .addOption(masterFlag())
    .action(async () => {
      const o = parseOptions(get, quotaSchema);
      out(await withOperator(o.master, (client, deadline) => unary<object, QuotaResponse>(client.GetQuota.bind(client), {}, deadline), clientAuthFrom(o)));
    });

  const set = new Command('set')
    .description("Set a role's quota, replacing the one it had, e.g. `tandem quota set eng --guarantee 'cpus:4;mem:1024' --limit 'cpus:8'`.")
    .argument('<role>', 'the role')
    .addOption(masterFlag())
    .addOption(flag('--guarantee <resources>', "what the role is served first and kept as headroom, e.g. 'cpus:4;mem:1024'"))
    .addOption(flag('--limit <resources>', "the most the role (with its sub-roles) may hold, offers included, e.g. 'cpus:8'"))
    .addOption(flag('--force', 'skip the check that all guarantees fit the registered agents'))
    .action(async (role: string) => {
      const o = parseOptions(set, quotaSetSchema);
      if (o.guarantee === undefined && o.limit === undefined)
        throw new ValidationError('--guarantee / --limit', 'give at least one (to remove a quota: tandem quota remove ROLE)');
      const config: QuotaConfigInit = {
        role,
        guarantee: o.guarantee === undefined ? {} : parseQuantities(o.guarantee, '--guarantee (TANDEM_GUARANTEE)'),
        limit: o.limit === undefined ? {} : parseQuantities(o.limit, '--limit (TANDEM_LIMIT)'),
      };
      out(await update(o.master, [config], o.force === true, clientAuthFrom(o)));
    });

  const remove = new Command('remove')
    .description('Remove the quota of one or more roles.')
    .argument('<role...>', 'the roles')
    .addOption(masterFlag())
    .action(async (roles: string[]) => {
      const o = parseOptions(remove, quotaSchema);
      out(
        await update(
          o.master,
          roles.map((role) => ({ role, guarantee: {}, limit: {} })),
          false,
          clientAuthFrom(o),
        ),
      );
    });

  quota.addCommand(get, { isDefault: true });
  quota.addCommand(set);
  quota.addCommand(remove);
  for (const sub of [get, set, remove]) writeTo(addClientAuthFlags(sub, 'the operator'), ctx.io);
  return quota;
}
