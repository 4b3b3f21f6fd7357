import { X509Certificate } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { ServerOptions } from 'node:https';
import { type PeerCertificate, TLSSocket } from 'node:tls';
import { certificatePrincipal } from '../auth/grpc-principal.js';
import type { TlsFiles } from '../tls.js';

/**
 * The `https` options of an HTTP API served with the process's TLS files: its certificate
 * and key, the cluster CA. A client certificate is asked for but not required (browsers
 * and curl users authenticate with credentials); one that the CA did not sign gives no
 * principal (`requestCertificatePrincipal`). There is no plaintext port beside it.
 */
export function httpsServerOptions(tls: TlsFiles): ServerOptions {
  return { cert: tls.cert, key: tls.key, ca: tls.ca, requestCert: true, rejectUnauthorized: false, minVersion: 'TLSv1.2' };
}

/** The principal of a PEM certificate (a process's own `--tls-cert`): `OU/CN`, as `certificatePrincipal` reads a peer's. */
export function pemPrincipal(pem: Buffer | string): string | undefined {
  const fields: Record<string, string> = {};
  for (const line of new X509Certificate(pem).subject.split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0 && fields[line.slice(0, eq)] === undefined) fields[line.slice(0, eq)] = line.slice(eq + 1);
  }
  return certificatePrincipal({ subject: fields } as unknown as PeerCertificate);
}

/**
 * The principal of the client certificate a request came with (`OU/CN`, `certificatePrincipal`), when it came over
 * TLS with a certificate that the cluster CA signed; else undefined.
 */
export function requestCertificatePrincipal(req: IncomingMessage): string | undefined {
  const socket = req.socket;
  if (!(socket instanceof TLSSocket) || !socket.authorized) return undefined;
  return certificatePrincipal(socket.getPeerCertificate());
}

/** Whether a request came over TLS. */
export function isTlsRequest(req: IncomingMessage): boolean {
  return req.socket instanceof TLSSocket;
}

/** `https` with TLS files, else `http`: the scheme of an API's URL. */
export function httpScheme(tls: TlsFiles | undefined): 'http' | 'https' {
  return tls ? 'https' : 'http';
}

/**
 * Fastify's server options for an API with or without TLS (`https` when `tls` is given).
 * Typed as a plain HTTP server's: an HTTPS server is one to every route and hook.
 */
export function fastifyServerOptions<O extends object>(options: O, tls: TlsFiles | undefined): O {
  return tls ? { ...options, https: httpsServerOptions(tls) } : options;
}
