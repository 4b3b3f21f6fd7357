import type { IncomingMessage } from 'node:http';
import type { AclAction, AclDecision, Acls } from '../auth/acls.js';
import { Code, TandemError } from '../errors.js';
import type { Logger } from '../logger.js';
import { requestPrincipal } from './fastify-auth.js';

/**
 * ACLs on an HTTP API (the apps', the jobs', the master's): whether a request's principal
 * (`requestPrincipal`: its credentials' or its client certificate's; none for an
 * unauthenticated request, which only `{"type": "ANY"}` rules match) may do an action on
 * objects. Every decision is logged with principal, action, object, allowed and rule; a
 * denial throws PERMISSION_DENIED (403) with the reason, which names the rule. Without
 * ACLs every request is allowed and nothing is logged.
 */
export class HttpAclGuard {
  constructor(
    private readonly acls: Acls | undefined,
    private readonly logger?: Logger,
  ) {}

  /** Whether any ACL is configured (else `check` allows everything). */
  get enabled(): boolean {
    return this.acls !== undefined;
  }

  /** The decision for one object, logged. */
  decide(req: IncomingMessage, action: AclAction, object: string): AclDecision {
    const principal = requestPrincipal(req);
    const decision = this.acls!.decide(action, principal, object);
    const entry = { principal: principal ?? null, action, object, allowed: decision.allowed, rule: decision.rule, method: req.method, url: req.url };
    // Reads are many (UIs poll): their grants are logged at debug, everything else at info, denials at warn.
    if (!decision.allowed) this.logger?.warn(entry, 'ACL decision: denied');
    else if (action === 'view') this.logger?.debug(entry, 'ACL decision');
    else this.logger?.info(entry, 'ACL decision');
    return decision;
  }

  /** Throws PERMISSION_DENIED naming the rule unless `action` is allowed on every object (the first denial is reported). */
  check(req: IncomingMessage, action: AclAction, objects: Iterable<string>): void {
    if (!this.acls) return;
    for (const object of new Set(objects)) {
      const decision = this.decide(req, action, object);
      if (!decision.allowed) throw new TandemError(Code.PermissionDenied, `forbidden by the ACLs: ${decision.reason}`, { field: action });
    }
  }
}
