import { readFileSync } from 'node:fs';
import { type TlsFiles, ValidationError } from '@tandem/protocol';
import { type NatsAccess, type NatsAuth, parseNatsCredentials } from '@tandem/store';
import { z } from 'zod';
import { envName } from './flag-option.js';
import { nonEmpty } from './schemas.js';
import { natsAccessFor } from './store-access.js';

const named = (long: string): string => `${long} (${envName(long)})`;
export const NATS_FLAG = named('--nats');
export const NATS_CREDENTIALS_FLAG = named('--nats-credentials');

/** Where the master publishes its events (`--nats`): NATS servers and how to reach them. */
export interface NatsEventsTarget {
  readonly servers: readonly string[];
  readonly access?: NatsAccess;
}

export const natsEventsSchema = z.object({ nats: nonEmpty().optional(), natsCredentials: nonEmpty().optional() });

/** The target of `--nats`, or undefined without it; a bad URL or credentials file is a ValidationError naming the flag. */
export async function natsEventsFrom(o: z.infer<typeof natsEventsSchema>, tls: TlsFiles | undefined): Promise<NatsEventsTarget | undefined> {
  if (o.nats === undefined) {
    if (o.natsCredentials !== undefined) throw new ValidationError(NATS_CREDENTIALS_FLAG, `is only for ${NATS_FLAG}, which is not given`);
    return undefined;
  }
  const { parseStoreUrl } = await import('@tandem/store');
  const location = parseStoreUrl(o.nats, NATS_FLAG);
  if (location.kind !== 'nats') throw new ValidationError(NATS_FLAG, 'must be nats://host:port[,host:port...] or tls://host:port[,...]');
  const viaUrl = natsAccessFor(location, tls, undefined, NATS_FLAG);
  let auth: NatsAuth | undefined = viaUrl?.auth;
  if (o.natsCredentials !== undefined) {
    if (auth) throw new ValidationError(NATS_CREDENTIALS_FLAG, `the URL of ${NATS_FLAG} names credentials too: give them once (the file keeps them out of ps)`);
    let text: string;
    try {
      text = readFileSync(o.natsCredentials, 'utf8');
    } catch (err) {
      throw new ValidationError(NATS_CREDENTIALS_FLAG, `cannot read ${o.natsCredentials}: ${(err as Error).message}`);
    }
    auth = parseNatsCredentials(text, `${NATS_CREDENTIALS_FLAG} ${o.natsCredentials}`);
  }
  const access: NatsAccess = { ...(viaUrl?.tls ? { tls: viaUrl.tls } : {}), ...(auth ? { auth } : {}) };
  return { servers: location.servers, ...(access.tls || access.auth ? { access } : {}) };
}
