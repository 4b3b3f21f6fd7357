import type { Command } from 'commander';
import { envName } from './flag-option.js';
import { MASTER_BUCKET } from './ha-flags.js';
import { natsAccessFor } from './store-access.js';
import { tlsFromFlags } from './tls-flags.js';

const MASTER_FLAG = `--master (${envName('--master')})`;

/**
 * `--master nats://h1:4222,h2:4222,...` (or `tls://...`): the masters as their NATS store
 * knows them (the lease holder first, then every master of the roster), found before the
 * command runs and put in the flag's place as `host:port,...`. From there the command
 * follows the leader as with a list given by hand; masters that move to new addresses
 * later are found by running the command again. A `tls://` store is reached with the
 * command's own `--tls-*` files; credentials come from the URL or from the file
 * TANDEM_STORE_CREDENTIALS names, as for the masters' `--store-credentials`.
 */
export async function resolveNatsMasters(command: Command): Promise<void> {
  const value: unknown = command.getOptionValue('master');
  if (typeof value !== 'string' || !/^(nats|tls):\/\//.test(value)) return;
  const { findMembers, parseStoreUrl } = await import('@tandem/store');
  const location = parseStoreUrl(value, MASTER_FLAG);
  if (location.kind !== 'nats') return;
  const option = (name: string): string | undefined => {
    const v: unknown = command.getOptionValue(name);
    return typeof v === 'string' ? v : undefined;
  };
  const tls = location.tls ? tlsFromFlags({ tlsCert: option('tlsCert'), tlsKey: option('tlsKey'), tlsCa: option('tlsCa') }) : undefined;
  const access = natsAccessFor(location, tls, process.env[envName('--store-credentials')], MASTER_FLAG);
  const masters = await findMembers([...location.servers], MASTER_BUCKET, undefined, access);
  command.setOptionValue('master', masters.join(','));
}
