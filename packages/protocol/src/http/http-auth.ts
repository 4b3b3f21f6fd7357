import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { BasicCredential, BearerToken } from './http-credentials.js';

/** What a request is, as an authorizer sees it. */
export interface HttpRequestInfo {
  method: string;
  /** The path without the query. */
  path: string;
}

/**
 * The seam of authorization (ACLs, 403): given the authenticated principal and the
 * request, allow or deny. Today every authenticated principal is allowed (`allowAll`).
 */
export type HttpAuthorizer = (principal: string, request: HttpRequestInfo) => 'allow' | 'deny';

export const allowAll: HttpAuthorizer = () => 'allow';

/** The realm named in `WWW-Authenticate`. */
export const HTTP_AUTH_REALM = 'tandem';

/** Paths answered without credentials (a load balancer's health check). */
export const OPEN_PATHS: ReadonlySet<string> = new Set(['/ping']);

/**
 * The header an HA standby puts on a request it forwards to its leader: the principal it
 * authenticated. Taken only from a peer whose certificate principal is one of the
 * `trustedProxies` (the service's own processes); a standby strips it from what clients send.
 */
export const FORWARDED_PRINCIPAL_HEADER = 'x-tandem-principal';

export type HttpAuthDecision =
  | { ok: true; principal: string | undefined }
  | { ok: false; status: 401 | 403; headers: Record<string, string>; body: { message: string } };

export interface HttpAuthConfig {
  basic?: readonly BasicCredential[];
  tokens?: readonly BearerToken[];
  authorize?: HttpAuthorizer;
  /** Paths answered without credentials. @default OPEN_PATHS (`/ping`); the master and agent: `/health` too */
  openPaths?: Iterable<string>;
  /**
   * Certificate principals of the processes that forward requests here (the HA standbys of
   * the same service): a request from one is the principal its FORWARDED_PRINCIPAL_HEADER
   * names, or none, never the forwarder's own. @default none
   */
  trustedProxies?: readonly string[];
}

function digest(s: string): Buffer {
  return createHash('sha256').update(s, 'utf8').digest();
}

/** Equal in constant time: both sides hashed to the same length first. */
function same(a: Buffer, b: string): boolean {
  return timingSafeEqual(a, digest(b));
}

/**
 * HTTP authentication of the apps and jobs APIs: Basic credentials and bearer tokens.
 * With none configured it is open (every request passes, with no principal). Otherwise
 * every request but `OPEN_PATHS` needs valid credentials, compared in constant time.
 */
export class HttpAuth {
  private readonly basic: { user: string; password: Buffer }[];
  private readonly tokens: { principal: string; token: Buffer }[];
  private readonly authorize: HttpAuthorizer;
  private readonly openPaths: ReadonlySet<string>;
  private readonly trustedProxies: ReadonlySet<string>;

  constructor(private readonly config: HttpAuthConfig = {}) {
    this.basic = (config.basic ?? []).map((c) => ({ user: c.user, password: digest(c.password) }));
    this.tokens = (config.tokens ?? []).map((t) => ({ principal: t.principal, token: digest(t.token) }));
    this.authorize = config.authorize ?? allowAll;
    this.openPaths = new Set(config.openPaths ?? OPEN_PATHS);
    this.trustedProxies = new Set(config.trustedProxies ?? []);
  }

  /** The same credentials with other open paths or trusted proxies (the master's and agent's `/health`; an HA service's own processes). */
  with(config: Pick<HttpAuthConfig, 'openPaths' | 'trustedProxies'>): HttpAuth {
    return new HttpAuth({ ...this.config, ...config });
  }

  /** Whether any credential is configured (else every request passes). */
  get enabled(): boolean {
    return this.basic.length > 0 || this.tokens.length > 0;
  }

  /** The principal the `Authorization` header proves, or undefined. */
  principalOf(headers: IncomingHttpHeaders): string | undefined {
    const header = headers.authorization;
    if (!header) return undefined;
    const space = header.indexOf(' ');
    if (space <= 0) return undefined;
    const scheme = header.slice(0, space).toLowerCase();
    const value = header.slice(space + 1).trim();
    if (scheme === 'basic') {
      const decoded = Buffer.from(value, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      if (colon <= 0) return undefined;
      const user = decoded.slice(0, colon);
      const password = decoded.slice(colon + 1);
      // Every entry is compared, so the time does not tell which user exists.
      let found: string | undefined;
      for (const c of this.basic) if (same(c.password, password) && c.user === user) found = c.user;
      return found;
    }
    if (scheme === 'bearer') {
      let found: string | undefined;
      for (const t of this.tokens) if (same(t.token, value)) found = t.principal;
      return found;
    }
    return undefined;
  }

  /**
   * Whether the request may proceed, and as whom; if not, the reply to send (401 with
   * `WWW-Authenticate`, or 403). `certificate` is the principal of the client certificate
   * the request came with (`requestCertificatePrincipal`), if any: without an Authorization header
   * it is the request's principal; with one, the header decides (a wrong one is 401).
   */
  check(method: string, url: string, headers: IncomingHttpHeaders, certificate?: string): HttpAuthDecision {
    const path = url.split('?')[0] ?? '/';
    let principal: string | undefined;
    if (certificate !== undefined && this.trustedProxies.has(certificate)) {
      // A sibling process forwarded this request: it checked the credentials and names the principal.
      const forwarded = headers[FORWARDED_PRINCIPAL_HEADER];
      principal = typeof forwarded === 'string' && forwarded !== '' ? forwarded : headers.authorization ? this.principalOf(headers) : undefined;
      if (!this.enabled || this.openPaths.has(path) || principal !== undefined) return this.authorized(principal, method, path);
    } else {
      principal = headers.authorization ? this.principalOf(headers) : certificate;
      if (!this.enabled) return { ok: true, principal: certificate };
      if (this.openPaths.has(path)) return { ok: true, principal };
    }
    if (principal === undefined) {
      return {
        ok: false,
        status: 401,
        headers: { 'www-authenticate': `Basic realm="${HTTP_AUTH_REALM}"` },
        body: {
          message: headers.authorization
            ? 'invalid credentials: the user name and password, or the bearer token, are not known'
            : 'authentication required: send Basic credentials (user:password) or a bearer token',
        },
      };
    }
    return this.authorized(principal, method, path);
  }

  private authorized(principal: string | undefined, method: string, path: string): HttpAuthDecision {
    if (principal !== undefined && this.authorize(principal, { method, path }) === 'deny') {
      return { ok: false, status: 403, headers: {}, body: { message: `${principal} is not allowed to ${method} ${path}` } };
    }
    return { ok: true, principal };
  }
}

/** The `Authorization` header value of `user:password` (what clients send). */
export function basicAuthorization(credential: string): string {
  return `Basic ${Buffer.from(credential, 'utf8').toString('base64')}`;
}

/** Whether a method changes state (its requests are logged with the principal). */
export function isMutating(method: string): boolean {
  return method !== 'GET' && method !== 'HEAD' && method !== 'OPTIONS';
}
