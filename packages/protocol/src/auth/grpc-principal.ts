import type { PeerCertificate } from 'node:tls';
import type * as grpc from '@grpc/grpc-js';
import { Code, TandemError } from '../errors.js';
import { basicAuthorization, HttpAuth } from '../http/http-auth.js';
import type { BasicCredential } from '../http/http-credentials.js';
import type { GrpcCredential } from './credentials-file.js';

/** The metadata key a credential travels in (`Basic base64(principal:secret)`). */
export const AUTHORIZATION_METADATA = 'authorization';

/** The part of grpc-js' AuthContext read here (grpc-js does not export the type). */
export interface CallAuthContext {
  transportSecurityType?: string;
  sslPeerCertificate?: PeerCertificate;
}

/** What of a server call the authenticator reads (every grpc-js server call has both). */
export interface AuthenticatedCall {
  getAuthContext?(): CallAuthContext | null;
  metadata: grpc.Metadata;
}

function first(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

/** A client certificate's principal: `OU/CN` (`agent/a1`), or `CN` alone when it has no OU. */
export function certificatePrincipal(cert: PeerCertificate | undefined): string | undefined {
  const subject = cert?.subject as Record<string, string | string[] | undefined> | undefined;
  if (!subject) return undefined;
  const cn = first(subject.CN);
  if (!cn) return undefined;
  const ou = first(subject.OU);
  return ou ? `${ou}/${cn}` : cn;
}

export interface GrpcAuthenticatorOptions {
  /** `--credentials FILE`: the principals and secrets calls may present. */
  credentials?: readonly BasicCredential[];
  /** A call proving no principal is UNAUTHENTICATED (set when credentials or TLS are configured). */
  requireAuth?: boolean;
}

/**
 * Who made a gRPC call: the client certificate's `OU/CN` when the call came over mutual
 * TLS, else the principal of an `authorization: Basic base64(principal:secret)` metadata
 * entry, checked in constant time against the configured credentials (HttpAuth's compare).
 * A wrong credential is UNAUTHENTICATED; so is no principal at all when `requireAuth`.
 */
export class GrpcAuthenticator {
  private readonly basic: HttpAuth;
  readonly requireAuth: boolean;

  constructor(o: GrpcAuthenticatorOptions = {}) {
    this.basic = new HttpAuth({ basic: o.credentials ?? [] });
    this.requireAuth = o.requireAuth ?? false;
  }

  /** The caller's principal, or undefined on an open cluster; throws UNAUTHENTICATED as above. */
  principalOf(call: AuthenticatedCall): string | undefined {
    const ctx = call.getAuthContext?.() ?? null;
    const fromCert = certificatePrincipal(ctx?.sslPeerCertificate);
    if (fromCert !== undefined) return fromCert;
    const header = call.metadata.get(AUTHORIZATION_METADATA)[0];
    if (header !== undefined) {
      const value = typeof header === 'string' ? header : header.toString('utf8');
      const principal = this.basic.enabled ? this.basic.principalOf({ authorization: value }) : undefined;
      if (principal === undefined)
        throw new TandemError(
          Code.Unauthenticated,
          this.basic.enabled
            ? 'invalid credential: the principal and secret are not known to this master'
            : 'this master takes no credentials (it has no --credentials); it knows principals only from client certificates',
        );
      return principal;
    }
    if (this.requireAuth)
      throw new TandemError(Code.Unauthenticated, 'authentication required: present a client certificate (--tls-cert) or a credential (--credential FILE)');
    return undefined;
  }
}

/** The metadata value a client sends for its credential. */
export function credentialMetadataValue(c: GrpcCredential): string {
  return basicAuthorization(`${c.principal}:${c.secret}`);
}
