import { ACL_ACTIONS, ACL_OBJECTS } from '@tandem/protocol/defaults';
import { Command } from 'commander';
import type { CommandContext } from '../command-context.js';
import { ACL_CHECK_EXIT, ANONYMOUS } from '../defaults.js';
import { flag } from '../flag-option.js';
import { lazy } from '../lazy-action.js';

export { ACL_CHECK_EXIT, ANONYMOUS };

/** `tandem acl check --acls FILE PRINCIPAL ACTION OBJECT`: the decision and the rule that made it. */
export function aclCommand(ctx: CommandContext): Command {
  const acl = new Command('acl').description('ACLs (the file of `tandem master --acls`, and of apps and jobs serve): explain a decision.');
  const check: Command = new Command('check')
    .description(
      `Print whether PRINCIPAL may do ACTION on OBJECT under the ACL file, and the rule that decides (exit ${ACL_CHECK_EXIT.allowed}: allowed, ${ACL_CHECK_EXIT.denied}: denied, ${ACL_CHECK_EXIT.badInput}: bad input).`,
    )
    .argument(
      '<principal>',
      `the caller, e.g. framework/apps or agent/a1 (OU/CN of its certificate) or a credential's name; "${ANONYMOUS}" for an unauthenticated caller`,
    )
    .argument('<action>', `one of ${ACL_ACTIONS.join(', ')}`)
    .argument('<object>', `what the action is on: ${ACL_ACTIONS.map((a) => `${a} -> ${ACL_OBJECTS[a]}`).join(', ')}`)
    .addOption(flag('--acls <file>', 'the ACL file (JSON or YAML)'))
    .addOption(flag('--json', 'print the decision as JSON: {allowed, rule, reason}'))
    .action(
      lazy(
        () => import('./acl-action.js'),
        (m, principal: string, action: string, object: string) => m.checkAcl(ctx, check, principal, action, object),
      ),
    );
  acl.addCommand(check);
  return acl;
}
