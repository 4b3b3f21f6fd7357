import { readFileSync } from 'node:fs';
import { ACL_ACTIONS, type Acls, isAclAction, parseAcls, TandemError } from '@tandem/protocol';
import type { Command } from 'commander';
import type { CommandContext } from '../command-context.js';
import { ACL_CHECK_EXIT, ANONYMOUS } from '../defaults.js';
import { envName } from '../flag-option.js';

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

/** `tandem acl check --acls FILE PRINCIPAL ACTION OBJECT`. */
export function checkAcl(ctx: CommandContext, check: Command, principal: string, action: string, object: string): void {
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
}
