import type { Command } from 'commander';
import { MASTER_BUCKET } from './ha-flags.js';

/**
 * `--master nats://h1:4222,h2:4222,...`: the masters as their NATS store knows them (the
 * lease holder first, then every master of the roster), found before the command runs and
 * put in the flag's place as `host:port,...`. From there the command follows the leader as
 * with a list given by hand; masters that move to new addresses later are found by running
 * the command again.
 */
export async function resolveNatsMasters(command: Command): Promise<void> {
  const value: unknown = command.getOptionValue('master');
  if (typeof value !== 'string' || !value.startsWith('nats://')) return;
  const { findMembers, parseStoreUrl } = await import('@tandem/store');
  const location = parseStoreUrl(value, '--master (TANDEM_MASTER)');
  if (location.kind !== 'nats') return;
  const masters = await findMembers([...location.servers], MASTER_BUCKET);
  command.setOptionValue('master', masters.join(','));
}
