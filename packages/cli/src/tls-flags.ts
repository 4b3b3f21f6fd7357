import { readTlsFiles, type TlsFiles, ValidationError } from '@tandem/protocol';
import { z } from 'zod';
import { envName } from './flag-option.js';

const FLAGS = { cert: '--tls-cert', key: '--tls-key', ca: '--tls-ca' } as const;
const named = (long: string): string => `${long} (${envName(long)})`;

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
