import { readFileSync } from 'node:fs';
import { asBasic, type BasicCredential, type GrpcCredential, parseCredential, parseCredentials, type TlsFiles, ValidationError } from '@tandem/protocol';
import { z } from 'zod';
import { envName } from './flag-option.js';
import { tlsOption, tlsSchema } from './tls-flags.js';

const CREDENTIALS = '--credentials';
const CREDENTIAL = '--credential';
const named = (long: string): string => `${long} (${envName(long)})`;

function read(path: string, long: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new ValidationError(named(long), `cannot read ${path}: ${(err as Error).message}`);
  }
}

export const credentialsSchema = z.object({ credentials: z.string().min(1).optional() });

/** The credentials `--credentials` names, or undefined; an unreadable, empty or malformed file names the flag, the file and the line. */
export function credentialsFrom(o: z.output<typeof credentialsSchema>): BasicCredential[] | undefined {
  if (o.credentials === undefined) return undefined;
  const list = parseCredentials(read(o.credentials, CREDENTIALS), `${named(CREDENTIALS)} ${o.credentials}`);
  if (list.length === 0) throw new ValidationError(named(CREDENTIALS), `${o.credentials} holds no credential`);
  return asBasic(list);
}

export const credentialSchema = z.object({ credential: z.string().min(1).optional() });

/** The credential `--credential` names, or undefined. */
export function credentialFrom(o: z.output<typeof credentialSchema>): GrpcCredential | undefined {
  if (o.credential === undefined) return undefined;
  return parseCredential(read(o.credential, CREDENTIAL), `${named(CREDENTIAL)} ${o.credential}`);
}

/** `{ credential }` for an options object when `--credential` is given, else `{}`. */
export function credentialOption(o: z.output<typeof credentialSchema>): { credential?: GrpcCredential } {
  const credential = credentialFrom(o);
  return credential ? { credential } : {};
}

/** How a client proves who it is to the masters: mutual TLS, a credential, both or neither. */
export interface ClientAuth {
  tls?: TlsFiles;
  credential?: GrpcCredential;
}

/** `--tls-*` and `--credential` of a client command, read once. */
export function clientAuthFrom(o: z.output<typeof tlsSchema> & z.output<typeof credentialSchema>): ClientAuth {
  return { ...tlsOption(o), ...credentialOption(o) };
}

/** The schema of `addClientAuthFlags`' flags. */
export const clientAuthSchema = tlsSchema.extend(credentialSchema.shape);
