import { readFileSync } from 'node:fs';
import * as grpc from '@grpc/grpc-js';
import { Code, TandemError, ValidationError } from './errors.js';

/** Where a process's TLS files are: its certificate, its key and the cluster CA (PEM). */
export interface TlsPaths {
  cert: string;
  key: string;
  ca: string;
}

/** A process's TLS material, read once at start: its certificate, its key and the cluster CA (PEM). */
export interface TlsFiles {
  cert: Buffer;
  key: Buffer;
  ca: Buffer;
}

/**
 * Reads the three files once. `flags` names them for errors (e.g. `--tls-cert (TANDEM_TLS_CERT)`);
 * an unreadable or non-PEM file is a ValidationError naming its flag.
 */
export function readTlsFiles(paths: TlsPaths, flags: TlsPaths = { cert: 'tls.cert', key: 'tls.key', ca: 'tls.ca' }): TlsFiles {
  const read = (which: keyof TlsPaths): Buffer => {
    let data: Buffer;
    try {
      data = readFileSync(paths[which]);
    } catch (err) {
      throw new ValidationError(flags[which], `cannot read ${paths[which]}: ${(err as Error).message}`);
    }
    if (!data.toString('latin1').includes('-----BEGIN ')) throw new ValidationError(flags[which], `${paths[which]} is not a PEM file`);
    return data;
  };
  return { cert: read('cert'), key: read('key'), ca: read('ca') };
}

/**
 * A server's credentials: with `tls`, mutual TLS only (a client must present a certificate
 * signed by the cluster CA; there is no plaintext port beside it); without, plaintext.
 */
export function serverCredentials(tls?: TlsFiles): grpc.ServerCredentials {
  if (!tls) return grpc.ServerCredentials.createInsecure();
  return grpc.ServerCredentials.createSsl(tls.ca, [{ cert_chain: tls.cert, private_key: tls.key }], true);
}

/**
 * A client's credentials: with `tls`, TLS checking the server's certificate against the
 * cluster CA and the dialled host name, presenting this client's certificate; without,
 * plaintext. Neither falls back to the other.
 */
export function clientCredentials(tls?: TlsFiles): grpc.ChannelCredentials {
  if (!tls) return grpc.credentials.createInsecure();
  return grpc.credentials.createSsl(tls.ca, tls.key, tls.cert);
}

// What grpc-js says when a handshake fails or a TLS server drops a plaintext client; a
// master that is down or unknown (refused, no such host) is not a TLS matter.
const TLS_SIGNS = /SSL|TLS|handshake|certificate|wrong version|packet length|Connection dropped|ECONNRESET|socket hang up|Failed to connect/i;
const NOT_TLS = /ECONNREFUSED|ENOTFOUND|EAI_AGAIN|EHOSTUNREACH|ENETUNREACH/;

/**
 * Says that TLS is the likely cause of a failure to reach `address`: a TLS client that
 * failed its handshake (a plaintext master, a certificate from another CA, a host name
 * not in the master's certificate), or a plaintext client whose connection a TLS master
 * dropped. Other errors are returned as they are.
 */
export function explainTlsFailure(err: unknown, address: string, tls: boolean): TandemError {
  const e = TandemError.from(err);
  if ((e.code !== Code.Unavailable && e.code !== Code.DeadlineExceeded) || e.leader !== undefined) return e;
  if (NOT_TLS.test(e.message) || (!TLS_SIGNS.test(e.message) && e.code !== Code.DeadlineExceeded)) return e;
  const message = tls
    ? `could not connect to ${address} over TLS: ${e.message} (is the master serving TLS, with a certificate from the same CA and this host name?)`
    : `could not connect to ${address} without TLS: ${e.message} (a master serving TLS drops plaintext clients: give --tls-cert, --tls-key and --tls-ca)`;
  return new TandemError(e.code, message, { cause: err });
}
