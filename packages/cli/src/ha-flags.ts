import { hostname } from 'node:os';
import type { Command } from 'commander';
import { z } from 'zod';
import { flag } from './flag-option.js';
import { count, nonEmpty, positive } from './schemas.js';

/** The masters' bucket on a NATS store (and `<bucket>-members`, their roster). */
export const MASTER_BUCKET = 'tandem-master';

/** The lease ttl in seconds (DEFAULT_LEASE_TTL_MS of @tandem/store, kept here so `--help` loads nothing). */
export const DEFAULT_LEASE_TTL_SECONDS = 10;

/**
 * The high-availability flags of every component that can run as several processes on
 * one NATS store (master, apps, jobs): where the state lives, how many copies the bucket
 * keeps, how others reach this process, and the lease.
 */
export function addHaFlags(cmd: Command, what: string): Command {
  return cmd
    .addOption(
      flag(
        '--store <url>',
        `where ${what} keeps its state: file:DIR (one process; the default is the work dir), or nats://h1:4222,h2:4222,h3:4222 (several processes, one leading), or tls://h1:4222,... (NATS over TLS: the servers are checked against --tls-ca, --tls-cert is presented); credentials may lead the servers (nats://user:password@h1,... or nats://TOKEN@h1), better in --store-credentials`,
      ),
    )
    .addOption(
      flag(
        '--store-credentials <file>',
        "a file holding the NATS store's credentials, one line: user:password, or a token (the server's authorization block); unlike the URL, not shown by ps",
      ),
    )
    .addOption(
      flag('--store-replicas <n>', 'copies of a NATS bucket when it is created (default: 3 when 3 or more servers are named, else 1; production: >= 3)'),
    )
    .addOption(
      flag(
        '--advertise-host <host>',
        "the host name other processes and clients reach this one by (default: --host, or the machine's hostname when it is 0.0.0.0)",
      ),
    )
    .addOption(flag('--lease-ttl <seconds>', 'with a NATS store: how long the leader holds its lease without renewing it', DEFAULT_LEASE_TTL_SECONDS));
}

export const haSchema = z.object({
  store: nonEmpty().optional(),
  storeCredentials: nonEmpty().optional(),
  storeReplicas: count().optional(),
  advertiseHost: nonEmpty().optional(),
  leaseTtl: positive('number of seconds').pipe(z.number().min(0.5, 'must be at least 0.5 seconds')),
});

/** Replicas for a bucket on these servers: as asked, else 3 for a cluster of 3 or more, 1 for fewer. */
export function bucketReplicas(servers: readonly string[], asked: number | undefined): number {
  return asked ?? (servers.length >= 3 ? 3 : 1);
}

/** The host others reach this process by. */
export function advertisedHost(host: string, advertise: string | undefined): string {
  if (advertise) return advertise;
  return host === '0.0.0.0' || host === '::' ? hostname() : host;
}
