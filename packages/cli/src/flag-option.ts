import { Option } from 'commander';
import { ENV_PREFIX } from './defaults.js';

/** `--http-port` -> `TANDEM_HTTP_PORT`. */
export function envName(long: string): string {
  return ENV_PREFIX + long.replace(/^--/, '').replace(/-/g, '_').toUpperCase();
}

/**
 * A commander option that is also read from its TANDEM_<FLAG> env var, with the default
 * shown in --help. Values stay strings; the command's zod schema parses them.
 */
export function flag(flags: string, description: string, defaultValue?: string | number): Option {
  const option = new Option(flags, description);
  if (option.long) option.env(envName(option.long));
  if (defaultValue !== undefined) option.default(String(defaultValue), String(defaultValue));
  return option;
}

/**
 * `--master` (TANDEM_MASTER), which every command that talks to the master takes: one
 * master or the list of them (any will do: a standby names the leader and the command
 * goes there).
 */
export function masterFlag(): Option {
  return flag(
    '--master <host:port,...>',
    "the masters' gRPC addresses, host:port[,host:port...]: any of them (a standby names the leader, and an unreachable one is skipped) (required)",
  );
}
