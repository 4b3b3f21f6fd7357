import { readFileSync } from 'node:fs';
import { type Logger, type TlsFiles, ValidationError } from '@tandem/protocol';
import { type NatsAccess, type NatsAuth, parseNatsCredentials, type StoreLocation } from '@tandem/store';
import { envName } from './flag-option.js';
import { bucketReplicas } from './ha-flags.js';
import { secondsToMs } from './schemas.js';

const named = (long: string): string => `${long} (${envName(long)})`;
export const STORE_FLAG = named('--store');
export const STORE_CREDENTIALS_FLAG = named('--store-credentials');
const TLS_FLAGS = `${named('--tls-ca')}, ${named('--tls-cert')} and ${named('--tls-key')}`;

type NatsLocation = Extract<StoreLocation, { kind: 'nats' }>;

/**
 * How this process reaches the NATS servers of `location`: over TLS (a `tls://` store)
 * with the process's own TLS files (the cluster CA checks the servers; its certificate
 * is the client's), and with the credentials of the URL or of `credentialsFile`
 * (`--store-credentials`), never both. `field` names the flag the URL came from.
 */
export function natsAccessFor(
  location: NatsLocation,
  tls: TlsFiles | undefined,
  credentialsFile: string | undefined,
  field: string = STORE_FLAG,
): NatsAccess | undefined {
  if (location.tls && !tls) {
    throw new ValidationError(
      field,
      `a tls:// store needs ${TLS_FLAGS}: the servers' certificates are checked against the CA, and this process's certificate is presented`,
    );
  }
  let auth: NatsAuth | undefined = location.auth;
  if (credentialsFile !== undefined && credentialsFile !== '') {
    if (auth) throw new ValidationError(STORE_CREDENTIALS_FLAG, `the URL of ${field} names credentials too: give them once (the file keeps them out of ps)`);
    auth = readNatsCredentials(credentialsFile);
  }
  const access: NatsAccess = { ...(location.tls && tls ? { tls } : {}), ...(auth ? { auth } : {}) };
  return access.tls || access.auth ? access : undefined;
}

/** The credentials in a `--store-credentials` file (`user:password` or a token), or a ValidationError naming the flag. */
export function readNatsCredentials(path: string): NatsAuth {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ValidationError(STORE_CREDENTIALS_FLAG, `cannot read ${path}: ${(err as Error).message}`);
  }
  return parseNatsCredentials(text, `${STORE_CREDENTIALS_FLAG} ${path}`);
}

/** The servers of a NATS location as messages show them (no credentials). */
export function shownServers(location: NatsLocation): string {
  return location.servers.join(',');
}

/** `{ access }` for an options object when there is any, else `{}`. */
export function accessOf(access: NatsAccess | undefined): { access?: NatsAccess } {
  return access ? { access } : {};
}

/** Warns when a process with TLS on its own links keeps its NATS store link plaintext (`nats://`): said, not changed. */
export function warnPlaintextStore(log: Logger, location: StoreLocation | undefined, tls: TlsFiles | undefined): void {
  if (tls && location?.kind === 'nats' && !location.tls) {
    log.warn(
      { servers: location.servers },
      'the NATS store link is plaintext (nats://) though this process has TLS: name the store tls://host:port to encrypt it',
    );
  }
}

/** The HA flags an elected apps or jobs service reads (haSchema's). */
interface ElectedServiceFlags {
  storeCredentials?: string | undefined;
  storeReplicas?: number | undefined;
  leaseTtl: number;
  advertiseHost?: string | undefined;
}

/** How an elected apps or jobs service (`tandem apps|jobs serve --store nats://...`) reaches its store, holds its lease and is reached. */
export function electedServiceOptions(location: NatsLocation, tls: TlsFiles | undefined, o: ElectedServiceFlags) {
  return {
    store: {
      servers: location.servers,
      ...accessOf(natsAccessFor(location, tls, o.storeCredentials)),
      replicas: bucketReplicas(location.servers, o.storeReplicas),
    },
    leaseTtlMs: secondsToMs(o.leaseTtl),
    ...(o.advertiseHost !== undefined ? { advertiseHost: o.advertiseHost } : {}),
  };
}
