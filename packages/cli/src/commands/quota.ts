import { Command } from 'commander';
import { writeTo } from '../cli-io.js';
import type { CommandContext } from '../command-context.js';
import { addClientAuthFlags } from '../common-flags.js';
import { flag, masterFlag } from '../flag-option.js';
import { lazy } from '../lazy-action.js';

const actions = () => import('./operator-actions.js');

/** `tandem quota` (Operator.GetQuota), `tandem quota set ROLE ...` and `tandem quota remove ROLE...` (Operator.UpdateQuota). */
export function quotaCommand(ctx: CommandContext): Command {
  const quota = new Command('quota').description('Role quotas (guarantees and limits): print them, set or remove one.');
  const get: Command = new Command('get')
    .description("Print every role's quota (Operator.GetQuota) as JSON.")
    .addOption(masterFlag())
    .action(lazy(actions, (m) => m.getQuotas(ctx, get)));

  const set: Command = new Command('set')
    .description("Set a role's quota, replacing the one it had, e.g. `tandem quota set eng --guarantee 'cpus:4;mem:1024' --limit 'cpus:8'`.")
    .argument('<role>', 'the role')
    .addOption(masterFlag())
    .addOption(flag('--guarantee <resources>', "what the role is served first and kept as headroom, e.g. 'cpus:4;mem:1024'"))
    .addOption(flag('--limit <resources>', "the most the role (with its sub-roles) may hold, offers included, e.g. 'cpus:8'"))
    .addOption(flag('--force', 'skip the check that all guarantees fit the registered agents'))
    .action(lazy(actions, (m, role: string) => m.setQuota(ctx, set, role)));

  const remove: Command = new Command('remove')
    .description('Remove the quota of one or more roles.')
    .argument('<role...>', 'the roles')
    .addOption(masterFlag())
    .action(lazy(actions, (m, roles: string[]) => m.removeQuotas(ctx, remove, roles)));

  quota.addCommand(get, { isDefault: true });
  quota.addCommand(set);
  quota.addCommand(remove);
  for (const sub of [get, set, remove]) writeTo(addClientAuthFlags(sub, 'the operator'), ctx.io);
  return quota;
}
