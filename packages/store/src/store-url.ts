import { ValidationError } from '@tandem/protocol';
import type { NatsAuth } from './nats-access.js';

/**
 * Where a component keeps its state, as `--store` names it. A NATS location's `servers`
 * are `nats://host:port` (plaintext) or `tls://host:port` (`tls`), never with credentials:
 * those are in `auth`, so that the servers can be logged.
 */
export type StoreLocation =
  | { readonly kind: 'file'; readonly dir: string }
  | { readonly kind: 'nats'; readonly servers: readonly string[]; readonly tls: boolean; readonly auth?: NatsAuth };

const HOST_PORT = /^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/;
const SCHEMES = ['nats://', 'tls://'] as const;

/** The URL with everything up to its last `@` (the user info: `user:password@`, `token@`) replaced by `***@`, for messages and logs. */
export function redactStoreUrl(value: string): string {
  return value.includes('@') ? value.replace(/^([a-z]+:\/\/)?.*@/s, '$1***@') : value;
}

function decode(part: string, field: string, redacted: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    throw new ValidationError(field, `the user info of ${redacted} is not valid percent-encoding`);
  }
}

/**
 * Reads a `--store` value: `file:DIR` (the embedded file store; what `--work-dir` gives),
 * `nats://h1:4222,h2:4222,h3:4222` (a NATS JetStream KV bucket, replicated by the servers; a
 * port may be left out for 4222), or `tls://h1:4222,...` (the same over TLS). Credentials
 * may come first, for every server: `nats://user:password@h1,h2` or `nats://TOKEN@h1`
 * (percent-encoded; a file, `--store-credentials`, keeps them out of `ps`). A bad value is
 * a ValidationError naming `field`; no message shows the credentials.
 */
export function parseStoreUrl(value: string, field = 'store'): StoreLocation {
  if (value.startsWith('file:')) {
    const dir = value.slice('file:'.length).replace(/^\/\/(?=\/)/, '');
    if (dir === '') throw new ValidationError(field, 'file: needs a directory, e.g. file:/var/lib/tandem/master');
    return { kind: 'file', dir };
  }
  const scheme = SCHEMES.find((s) => value.startsWith(s));
  const redacted = redactStoreUrl(value);
  if (scheme) {
    let rest = value.slice(scheme.length);
    let auth: NatsAuth | undefined;
    const first = rest.split(',')[0] ?? '';
    const at = first.lastIndexOf('@');
    if (at >= 0) {
      const info = first.slice(0, at);
      rest = rest.slice(at + 1);
      const colon = info.indexOf(':');
      if (colon < 0) {
        const token = decode(info, field, redacted);
        if (token === '') throw new ValidationError(field, `empty token before @ in ${redacted}`);
        auth = { token };
      } else {
        const user = decode(info.slice(0, colon), field, redacted);
        const pass = decode(info.slice(colon + 1), field, redacted);
        if (user === '' || pass === '') throw new ValidationError(field, `user:password@ needs both a user and a password (in ${redacted})`);
        auth = { user, pass };
      }
    }
    const entries = rest.split(',').map((s) => s.trim());
    if (entries.some((s) => /^[a-z]+:\/\//.test(s) && !s.startsWith(scheme))) {
      throw new ValidationError(field, `every server of ${redacted} must be ${scheme}: a store is all TLS or all plaintext`);
    }
    const servers = entries.map((s) => s.slice(s.startsWith(scheme) ? scheme.length : 0));
    for (const s of servers) {
      if (s.includes('@')) throw new ValidationError(field, `credentials go once, before the first server (in ${redacted})`);
      const hostPort = s.includes(':') && !s.endsWith(']') ? s : `${s}:4222`;
      const m = HOST_PORT.exec(hostPort);
      const port = m ? Number(m[2]) : 0;
      if (!m || port < 1 || port > 65535)
        throw new ValidationError(field, `'${value.includes('@') ? '***' : s}' is not a NATS server host[:port] (in ${redacted})`);
    }
    const tls = scheme === 'tls://';
    return {
      kind: 'nats',
      servers: servers.map((s) => `${scheme}${s.includes(':') && !s.endsWith(']') ? s : `${s}:4222`}`),
      tls,
      ...(auth ? { auth } : {}),
    };
  }
  throw new ValidationError(field, `'${redacted}' is neither file:DIR nor nats://host:port[,host:port...] nor tls://host:port[,host:port...]`);
}
