import {
  type AclAction,
  type AclDecision,
  Acls,
  type AuthenticatedCall,
  type BasicCredential,
  Code,
  GrpcAuthenticator,
  type Logger,
  TandemError,
} from '@tandem/protocol';

type AnyHandler = (call: AuthenticatedCall & { emit(event: 'error', status: unknown): boolean }, callback?: (status: unknown) => void) => void;

export interface MasterAuthOptions {
  /** `--acls FILE`; @default Acls.permissive() */
  acls?: Acls | undefined;
  /** `--credentials FILE`: principals and secrets calls may present as metadata. */
  credentials?: readonly BasicCredential[] | undefined;
  /** Whether the gRPC port serves mutual TLS (then every call proves a principal by its certificate). */
  tls: boolean;
}

/**
 * Who calls the master and what they may do: every gRPC call's principal (its client
 * certificate's OU/CN or a credential; GrpcAuthenticator) and the ACL decisions on it.
 * With credentials or TLS configured a call that proves no principal is UNAUTHENTICATED;
 * without either the cluster stays open (no principal; the ACLs' ANY rules and
 * `permissive` decide). Every decision is logged with the principal: denials at warn,
 * allowances at debug.
 */
export class MasterAuth {
  readonly acls: Acls;
  readonly authenticator: GrpcAuthenticator;
  /** Each call's principal, authenticated once (the limits and the handlers both ask). */
  private readonly principals = new WeakMap<object, string | undefined>();

  constructor(
    o: MasterAuthOptions,
    private readonly log: Logger,
  ) {
    this.acls = o.acls ?? Acls.permissive();
    const credentials = o.credentials ?? [];
    this.authenticator = new GrpcAuthenticator({ credentials, requireAuth: credentials.length > 0 || o.tls });
  }

  /** The call's principal (undefined on an open cluster); throws UNAUTHENTICATED for a wrong credential, or none when one is required. */
  principalOf(call: AuthenticatedCall): string | undefined {
    if (this.principals.has(call)) return this.principals.get(call);
    const principal = this.authenticator.principalOf(call);
    this.principals.set(call, principal);
    return principal;
  }

  /** The ACLs' decision, logged with the principal. */
  decide(action: AclAction, principal: string | undefined, object: string): AclDecision {
    const d = this.acls.decide(action, principal, object);
    if (!d.allowed) this.log.warn({ principal, action, object, allowed: false, rule: d.rule }, 'ACL denied');
    else if (this.log.isLevelEnabled('debug')) this.log.debug({ principal, action, object, allowed: true, rule: d.rule }, 'ACL allowed');
    return d;
  }

  /** As `decide`, throwing PERMISSION_DENIED (naming the action, principal, object and rule) on a denial. */
  authorize(action: AclAction, principal: string | undefined, object: string, field?: string): void {
    const d = this.decide(action, principal, object);
    if (!d.allowed) throw new TandemError(Code.PermissionDenied, `${d.reason} (ACL ${d.rule})`, field ? { field } : {});
  }

  /** Whether the ACLs let `principal` see what belongs to a framework of `frameworkPrincipal` (the `view` action), logged at debug only. */
  mayView(principal: string | undefined, frameworkPrincipal: string): boolean {
    return this.acls.decide('view', principal, frameworkPrincipal).allowed;
  }

  /**
   * Wraps every handler of a service: the call is authenticated before the handler runs;
   * a call that cannot be is answered UNAUTHENTICATED (a unary call through its callback,
   * a stream with its error status) and the handler never runs.
   */
  wrap<H extends object>(handlers: H): H {
    const out: Record<string, AnyHandler> = {};
    for (const [name, handler] of Object.entries(handlers) as [string, AnyHandler][]) {
      out[name] = (call, callback) => {
        try {
          this.principalOf(call);
        } catch (err) {
          const e = TandemError.from(err);
          this.log.warn({ method: name, err: e.message }, 'unauthenticated call refused');
          const status = e.toGrpcStatus();
          if (typeof callback === 'function') callback(status);
          else call.emit('error', status);
          return;
        }
        handler(call, callback);
      };
    }
    return out as H;
  }
}
