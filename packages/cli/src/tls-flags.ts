import { readTlsFiles, type TlsFiles, ValidationError } from '@tandem/protocol';
import type { Command } from 'commander';
import { z } from 'zod';
import { envName, flag } from './flag-option.js';

const FLAGS = { cert: '--tls-cert', key: '--tls-key', ca: '--tls-ca' } as const;
const named = (long: string): string => `${long} (${envName(long)})`;

/**
 * `--tls-cert`, `--tls-key`, `--tls-ca` (TANDEM_TLS_*): mutual TLS on the gRPC links, all
 * three or none; `serves`: the process's HTTP API then serves HTTPS only with them.
 */
export function addTlsFlags(cmd: Command, whose: string, serves = false): Command {
  const https = serves ? '; its HTTP API then serves HTTPS only (the certificate needs its host names: tandem certs issue --host)' : '';
  return cmd
    .addOption(
      flag(
        `${FLAGS.cert} <file>`,
        `${whose}'s certificate (PEM, from \`tandem certs issue\`): mutual TLS to the masters, never plaintext; with --tls-key and --tls-ca${https}`,
      ),
    )
    .addOption(flag(`${FLAGS.key} <file>`, `the private key of --tls-cert (PEM)`))
    .addOption(flag(`${FLAGS.ca} <file>`, 'the cluster CA (ca.crt from `tandem certs init`) that every certificate must be signed by'));
}

export const tlsSchema = z.object({ tlsCert: z.string().optional(), tlsKey: z.string().optional(), tlsCa: z.string().optional() });

/** The TLS files the flags name, read once; undefined when none is given; a ValidationError naming the missing flag when only some are. */
export function tlsFromFlags(o: z.output<typeof tlsSchema>): TlsFiles | undefined {
  const paths = { cert: o.tlsCert, key: o.tlsKey, ca: o.tlsCa };
  const given = Object.values(paths).filter((p) => p !== undefined && p !== '');
  if (given.length === 0) return undefined;
  for (const which of ['cert', 'key', 'ca'] as const) {
    const p = paths[which];
    if (p === undefined || p === '') throw new ValidationError(named(FLAGS[which]), 'missing: TLS takes --tls-cert, --tls-key and --tls-ca together');
  }
  return readTlsFiles(paths as { cert: string; key: string; ca: string }, { cert: named(FLAGS.cert), key: named(FLAGS.key), ca: named(FLAGS.ca) });
}

/** `{ tls }` for an options object when the flags give TLS files, else `{}`. */
export function tlsOption(o: z.output<typeof tlsSchema>): { tls?: TlsFiles } {
  const tls = tlsFromFlags(o);
  return tls ? { tls } : {};
}
