import { createConnection, isIP } from 'node:net';
import { type ConnectionOptions as ConnectionOptionsTls, checkServerIdentity, type PeerCertificate, type TLSSocket, connect as tlsConnect } from 'node:tls';
import type { ConnectionOptions } from '@nats-io/transport-node';
import { Code, TandemError, ValidationError } from '@tandem/protocol';

/** How a process proves itself to NATS: a user and password, or a token (the server's `authorization` block). */
export type NatsAuth = { readonly user: string; readonly pass: string } | { readonly token: string };

/** TLS to NATS: the CA the server's certificate must be signed by, and this process's certificate (NATS `verify: true` asks for it). */
export interface NatsTls {
  readonly ca: Buffer | string;
  readonly cert?: Buffer | string;
  readonly key?: Buffer | string;
}

/**
 * How a process reaches NATS beyond the server addresses: TLS (the server's certificate
 * checked against `tls.ca` and the dialled host name) and credentials. Without `tls` the
 * link is plaintext and stays so: a server that requires TLS is an error, never an
 * upgrade; with it, a server without TLS is an error, never a fallback.
 */
export interface NatsAccess {
  readonly tls?: NatsTls;
  readonly auth?: NatsAuth;
}

/**
 * Reads a credentials file (`--store-credentials`): one line, `user:password` (split at the
 * first colon) or a token (no colon). Blank lines and `#` comments are skipped. A file
 * with no credential or more than one is a ValidationError naming `field`.
 */
export function parseNatsCredentials(text: string, field: string): NatsAuth {
  const lines = text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
  if (lines.length !== 1) throw new ValidationError(field, `must hold one line, user:password or a token (found ${lines.length})`);
  const line = lines[0] as string;
  const colon = line.indexOf(':');
  if (colon < 0) return { token: line };
  const user = line.slice(0, colon);
  const pass = line.slice(colon + 1);
  if (user === '' || pass === '') throw new ValidationError(field, 'user:password needs both a user and a password');
  return { user, pass };
}

/** The TLS and credential part of nats.js' connect options for `servers` (which name no credentials). */
export function natsConnectOptions(
  servers: string | readonly string[],
  access: NatsAccess | undefined,
): Pick<ConnectionOptions, 'servers' | 'tls' | 'user' | 'pass' | 'token'> {
  const list = [servers].flat();
  const tlsUrls = list.filter((s) => s.startsWith('tls://'));
  if (tlsUrls.length > 0 && !access?.tls) {
    throw new TandemError(Code.InvalidArgument, `${tlsUrls.join(',')}: a tls:// NATS server needs a CA to check it by (tls.ca)`, { field: 'tls' });
  }
  if (access?.tls && list.some((s) => s.startsWith('nats://'))) {
    throw new TandemError(Code.InvalidArgument, `${list.join(',')}: TLS is given for nats:// servers; name them tls://`, { field: 'servers' });
  }
  const auth = access?.auth;
  return {
    servers: list,
    // null, not undefined: nats.js then never starts TLS on its own (it would on a server offering it).
    tls: access?.tls ? tlsOptions(access.tls) : null,
    ...(auth && 'token' in auth ? { token: auth.token } : {}),
    ...(auth && 'user' in auth ? { user: auth.user, pass: auth.pass } : {}),
  };
}

const pem = (v: Buffer | string): string => (typeof v === 'string' ? v : v.toString('utf8'));

function tlsOptions(tls: NatsTls): NonNullable<ConnectionOptions['tls']> {
  const options = {
    ca: pem(tls.ca),
    ...(tls.cert ? { cert: pem(tls.cert) } : {}),
    ...(tls.key ? { key: pem(tls.key) } : {}),
    checkServerIdentity: checkDialledIdentity,
  };
  return options;
}

/** What Node's TLS client passes as `this` to checkServerIdentity: its connect options. */
interface TlsConnectThis {
  servername?: string;
  host?: string;
  socket?: { remoteAddress?: string; _host?: string | null };
}

/**
 * The server's certificate must name the host dialled. nats.js upgrades a plain socket to
 * TLS with no server name for a server given as an IP address, and Node then checks the
 * certificate against 'localhost' (its fallback). So when Node had no name to go by, the
 * address the socket is connected to is checked instead (Node calls this with its connect
 * options as `this`, the socket among them); a name Node did have (a DNS name) is checked
 * as it is. Without that `this`, the check is Node's own (it fails closed).
 */
function checkDialledIdentity(this: TlsConnectThis | undefined, hostname: string, cert: PeerCertificate): Error | undefined {
  const noName = this !== undefined && !this.servername && !this.host && !this.socket?._host;
  const address = noName ? this?.socket?.remoteAddress?.replace(/^::ffff:(?=\d+\.)/, '') : undefined;
  return checkServerIdentity(address ?? hostname, cert);
}

/** Codes Node gives a server certificate that does not verify (chain or host name). */
const CERT_CODES = /^(CERT_|UNABLE_TO_|SELF_SIGNED|DEPTH_ZERO|ERR_TLS_CERT_ALTNAME|HOSTNAME_MISMATCH)/;
/** Alerts a server sends when it refuses the client's certificate (or its absence). */
const CLIENT_CERT_ALERTS = /ALERT_(UNKNOWN_CA|BAD_CERTIFICATE|CERTIFICATE_REQUIRED|CERTIFICATE_UNKNOWN|UNSUPPORTED_CERTIFICATE|ACCESS_DENIED)$/;

/** What a TLS failure says about its cause, or undefined when it says nothing. */
function tlsCause(text: string, codes: readonly string[]): string | undefined {
  if (/does not support 'tls'|is not available on this server/.test(text)) {
    return `the NATS server does not offer TLS, and a tls:// store never falls back to plaintext (${text})`;
  }
  if (codes.some((c) => CLIENT_CERT_ALERTS.test(c)) || /alert (unknown ca|bad certificate|certificate required)/i.test(text)) {
    return `the NATS server refused this process's certificate (${text}): is --tls-cert signed by the CA in the server's ca_file?`;
  }
  if (codes.some((c) => CERT_CODES.test(c)) || /certificate|self[- ]signed|issuer/i.test(text)) {
    return `TLS: the NATS server's certificate was not accepted (${text}): is --tls-ca the CA that signed it, and does it name the host dialled?`;
  }
  if (/alert|handshake|SSL|TLS|socket hang up|ECONNRESET/i.test(text)) {
    return `the TLS handshake failed (${text}): does the server take this process's certificate (--tls-cert, signed by its ca_file)?`;
  }
  return undefined;
}

/** A server's host and port as nats.js reads them (`[scheme://]host[:port]`, 4222 by default). */
function hostPortOf(server: string): { host: string; port: number } {
  const m = /^(?:[a-z]+:\/\/)?(\[[^\]]+\]|[^:/]+)(?::(\d+))?/.exec(server);
  return { host: (m?.[1] ?? '').replace(/^\[|\]$/g, ''), port: Number(m?.[2] ?? 4222) };
}

/**
 * The TLS handshake with a NATS server as nats.js does it (its INFO read in plaintext,
 * then the socket upgraded), then a PING: the error the server's refusal gives, or
 * undefined when it answers (or nothing is known within `timeoutMs`).
 */
function natsTlsProbe(server: string, tls: NatsTls, timeoutMs = 3_000): Promise<Error | undefined> {
  const { host, port } = hostPortOf(server);
  return new Promise((resolve) => {
    const sock = createConnection({ host, port });
    let secure: TLSSocket | undefined;
    let settled = false;
    const done = (err?: Error): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      secure?.destroy();
      sock.destroy();
      resolve(err);
    };
    const timer = setTimeout(() => done(undefined), timeoutMs);
    sock.once('error', done);
    sock.once('data', () => {
      secure = tlsConnect({ socket: sock, servername: isIP(host) ? '' : host, ...(tlsOptions(tls) as ConnectionOptionsTls) });
      secure.once('error', done);
      secure.once('secureConnect', () => secure?.write('PING\r\n'));
      secure.once('data', () => done(undefined));
      secure.once('close', () => done(undefined));
    });
  });
}

/** Every message and code along an error's cause chain. */
function chain(err: unknown): { text: string; codes: string[]; names: string[] } {
  const texts: string[] = [];
  const codes: string[] = [];
  const names: string[] = [];
  for (let e: unknown = err, depth = 0; e !== undefined && e !== null && depth < 6; depth++) {
    if (e instanceof Error) {
      // OpenSSL's errors carry a short reason ('sslv3 alert bad certificate') beside a long message.
      const reason = (e as { reason?: unknown }).reason;
      texts.push(typeof reason === 'string' && reason !== '' ? reason : e.message);
      names.push(e.name);
      const code = (e as { code?: unknown }).code;
      if (typeof code === 'string') codes.push(code);
      e = e.cause;
    } else {
      texts.push(String(e));
      break;
    }
  }
  return { text: texts.join(': '), codes, names };
}

/** The first line a NATS server sends (its INFO), or undefined when it sends none within `timeoutMs`. */
export function natsServerInfo(server: string, timeoutMs = 2_000): Promise<Record<string, unknown> | undefined> {
  const { host, port } = hostPortOf(server);
  return new Promise((resolve) => {
    const sock = createConnection({ host, port });
    let data = '';
    const done = (info: Record<string, unknown> | undefined): void => {
      sock.destroy();
      resolve(info);
    };
    sock.setTimeout(timeoutMs, () => done(undefined));
    sock.once('error', () => done(undefined));
    sock.on('data', (d: Buffer) => {
      data += d.toString('latin1');
      const end = data.indexOf('\r\n');
      if (end < 0 && data.length < 64 * 1024) return;
      const line = data.slice(0, end < 0 ? undefined : end);
      try {
        done(line.startsWith('INFO ') ? (JSON.parse(line.slice(5)) as Record<string, unknown>) : undefined);
      } catch {
        done(undefined);
      }
    });
  });
}

/**
 * Why a connection to NATS failed, in words that name the likely cause: TLS asked for by
 * the server of a plaintext client (or the reverse), a server certificate that does not
 * verify, refused credentials. `what` says who connected (`store nats:tandem-master`).
 * The servers are shown as given (they carry no credentials).
 */
export async function explainNatsConnectError(
  err: unknown,
  servers: string | readonly string[],
  access: NatsAccess | undefined,
  what: string,
): Promise<TandemError> {
  const list = [servers].flat();
  const where = list.join(',');
  const { text, codes, names } = chain(err);
  const make = (message: string): TandemError => new TandemError(Code.Unavailable, `${what}: cannot connect to ${where}: ${message}`, { cause: err });
  if (names.includes('AuthorizationError') || /authorization violation|authentication/i.test(text)) {
    const given = access?.auth
      ? 'token' in access.auth
        ? 'the token given was refused'
        : `user '${access.auth.user}' was refused`
      : 'no credentials were given';
    return make(
      `NATS refused the authorization (${given}): give the server's user and password or token with --store-credentials FILE (or user:password@ in the URL) (${text})`,
    );
  }
  if (access?.tls) {
    const why = tlsCause(text, codes);
    if (why) return make(why);
    // nats.js reports a server refusing this process's certificate after the handshake only
    // as a timeout: try the handshake alone and see what the server says.
    for (const server of list) {
      const refusal = await natsTlsProbe(server, access.tls);
      const probed = refusal ? chain(refusal) : undefined;
      const probedWhy = probed ? tlsCause(probed.text, probed.codes) : undefined;
      if (probedWhy) return make(`${probedWhy} (at ${server}; the connection failed with: ${text})`);
    }
    return make(text);
  }
  // A plaintext client: nats.js cannot be kept from trying TLS when the server requires it, so ask the server.
  const infos = await Promise.all(list.map((s) => natsServerInfo(s)));
  if (infos.some((i) => i?.tls_required === true)) {
    return make(
      `the NATS server requires TLS (its INFO says tls_required), and a nats:// store never upgrades: name it tls://host:port with --tls-ca, --tls-cert and --tls-key`,
    );
  }
  return make(text);
}
