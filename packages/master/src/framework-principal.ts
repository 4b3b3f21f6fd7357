import { Code, TandemError } from '@tandem/protocol';
import type { MasterCore } from './master-core.js';
import type { FrameworkEntry } from './state-records.js';

/** The principal a framework is bound to ('' when none: it subscribed on an open cluster, or is unknown). */
export function frameworkPrincipalOf(core: Pick<MasterCore, 'frameworks'>, frameworkId: string): string {
  return core.frameworks.get(frameworkId)?.principal ?? '';
}

const who = (p: string | undefined): string => (p === undefined ? 'an unauthenticated caller' : `principal ${JSON.stringify(p)}`);

/**
 * A Scheduler call on `fw` must come from the principal the framework is bound to (an
 * unbound framework, on an open cluster, from an unauthenticated caller): anyone else is
 * PERMISSION_DENIED, before anything is looked at, so framework B cannot kill, acknowledge,
 * reconcile, accept or tear down for framework A even knowing its ids.
 */
export function checkFrameworkCaller(fw: FrameworkEntry, principal: string | undefined): void {
  if (fw.principal === principal) return;
  const owner =
    fw.principal === undefined ? 'no principal (it subscribed unauthenticated; subscribe again to bind it)' : `principal ${JSON.stringify(fw.principal)}`;
  throw new TandemError(Code.PermissionDenied, `framework ${fw.id} belongs to ${owner}; ${who(principal)} may not call for it`, {
    field: 'framework_id',
  });
}

/**
 * SUBSCRIBE's principal: the authenticated one. `FrameworkInfo.principal`, when sent,
 * must be it (else PERMISSION_DENIED naming both). On an open cluster (no authenticated
 * principal) the framework is bound to none and what it sends is kept as information.
 * A re-subscription must come from the principal the framework is bound to; a framework
 * bound to none (registered before authentication was turned on) is bound now.
 */
export function subscribePrincipal(fw: FrameworkEntry | undefined, sent: string, principal: string | undefined): string | undefined {
  if (principal !== undefined && sent !== '' && sent !== principal) {
    throw new TandemError(
      Code.PermissionDenied,
      `framework_info.principal "${sent}" is not the principal this subscription authenticated as ("${principal}"); send no principal or "${principal}"`,
      { field: 'framework_info.principal' },
    );
  }
  if (fw && fw.principal !== undefined && fw.principal !== principal) {
    throw new TandemError(
      Code.PermissionDenied,
      `framework ${fw.id} belongs to principal ${JSON.stringify(fw.principal)}; ${who(principal)} may not subscribe as it`,
      { field: 'framework_info.id' },
    );
  }
  return principal;
}
