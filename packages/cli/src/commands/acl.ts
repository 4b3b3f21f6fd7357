import { readFileSync } from 'node:fs';
import { ACL_ACTIONS, ACL_OBJECTS, type Acls, isAclAction, parseAcls, TandemError } from '@tandem/protocol';
import { Command } from 'commander';
import type { CommandContext } from '../command-context.js';
import { envName, flag } from '../flag-option.js';

/** Exit codes of `tandem acl check`: allowed, denied, bad input. */
export const ACL_CHECK_EXIT = { allowed: 0, denied: 1, badInput: 2 } as const;

/** The principal argument that stands for an unauthenticated caller. */
export const ANONYMOUS = '-';

function loadAcls(path: string | undefined): Acls {
  if (path === undefined) throw new TandemError('INVALID_ARGUMENT', `--acls (${envName('--acls')}): give the ACL file to check against`, { field: '--acls' });
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new TandemError('INVALID_ARGUMENT', `--acls (${envName('--acls')}): cannot read ${path}: ${(err as Error).message}`, { field: '--acls' });
  }
  return parseAcls(text, `--acls ${path}`);
}

/** `tandem acl check --acls FILE PRINCIPAL ACTION OBJECT`: the decision and the rule that made it. */
export function aclCommand(ctx: CommandContext): Command {
  const acl = new Command('acl').description('ACLs (the file of `tandem master --acls`, and of apps and jobs serve): explain a decision.');
  const check = new Command('check')
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
    .action((principal: string, action: string, object: string) => {
      const o = check.opts<{ acls?: string; json?: boolean }>();
      try {
        if (!isAclAction(action))
          throw new TandemError('INVALID_ARGUMENT', `ACTION: unknown action "${action}" (one of ${ACL_ACTIONS.join(', ')})`, { field: 'ACTION' });
        const acls = loadAcls(o.acls);
        const decision = acls.decide(action, principal === ANONYMOUS ? undefined : principal, object);
        ctx.io.stdout(o.json ? `${JSON.stringify(decision)}\n` : `${decision.allowed ? 'ALLOWED' : 'DENIED'} by ${decision.rule}: ${decision.reason}\n`);
        ctx.setExitCode(decision.allowed ? ACL_CHECK_EXIT.allowed : ACL_CHECK_EXIT.denied);
      } catch (err) {
        ctx.io.stderr(`tandem acl check: ${TandemError.from(err).message}\n`);
        ctx.setExitCode(ACL_CHECK_EXIT.badInput);
      }
    });
  acl.addCommand(check);
  return acl;
}
