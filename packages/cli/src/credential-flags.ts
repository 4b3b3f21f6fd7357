import { readFileSync } from 'node:fs';
import { asBasic, type BasicCredential, type GrpcCredential, parseCredential, parseCredentials, type TlsFiles, ValidationError } from '@tandem/protocol';
import type { Command } from 'commander';
import { z } from 'zod';
import { envName, flag } from './flag-option.js';
import { addTlsFlags, tlsOption, tlsSchema } from './tls-flags.js';

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

/** `--credentials FILE` (TANDEM_CREDENTIALS): the principals and secrets the master accepts on its gRPC port. */
export function addCredentialsFlag(cmd: Command): Command {
  return cmd.addOption(
    flag(
      `${CREDENTIALS} <file>`,
      'principals and secrets gRPC clients may authenticate with (one "principal secret" a line, or Mesos\' JSON {"credentials": [...]}); with it, or with TLS, every call must prove a principal',
    ),
  );
}

export const credentialsSchema = z.object({ credentials: z.string().min(1).optional() });

/** The credentials `--credentials` names, or undefined; an unreadable, empty or malformed file names the flag, the file and the line. */
export function credentialsFrom(o: z.output<typeof credentialsSchema>): BasicCredential[] | undefined {
  if (o.credentials === undefined) return undefined;
  const list = parseCredentials(read(o.credentials, CREDENTIALS), `${named(CREDENTIALS)} ${o.credentials}`);
  if (list.length === 0) throw new ValidationError(named(CREDENTIALS), `${o.credentials} holds no credential`);
  return asBasic(list);
}

/** `--credential FILE` (TANDEM_CREDENTIAL): a client's principal and secret, sent with every gRPC call to the masters. */
export function addCredentialFlag(cmd: Command, whose: string): Command {
  return cmd.addOption(
    flag(
      `${CREDENTIAL} <file>`,
      `${whose}'s principal and secret for the masters (one line "principal secret" or "principal:secret", or Mesos' JSON credentials file with one entry)`,
    ),
  );
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

/** `--tls-cert/--tls-key/--tls-ca` and `--credential` on a client command. */
export function addClientAuthFlags(cmd: Command, whose: string): Command {
  return addCredentialFlag(addTlsFlags(cmd, whose), whose);
}

/** The schema of `addClientAuthFlags`' flags. */
export const clientAuthSchema = tlsSchema.extend(credentialSchema.shape);
