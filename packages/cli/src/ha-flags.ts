import { hostname } from 'node:os';
import { z } from 'zod';
import { count, nonEmpty, positive } from './schemas.js';

/** The masters' bucket on a NATS store (and `<bucket>-members`, their roster). */
export const MASTER_BUCKET = 'tandem-master';

export { DEFAULT_LEASE_TTL_SECONDS } from './common-flags.js';

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
