/** Copies of a service's bucket on a NATS cluster of three or more servers (production: with `sync_interval: always`). */
export const DEFAULT_STORE_REPLICAS = 3;

/**
 * The copies a service's bucket is created with when none are asked for (the CLI's
 * `--store-replicas`, whose rule this is): DEFAULT_STORE_REPLICAS when the store names
 * three servers or more, else 1, since a single server refuses a bucket of several
 * replicas ("replicas > 1 not supported in non-clustered mode") and a cluster one larger
 * than it. Telling a single server from a cluster for sure would take another connection
 * and a look at its INFO; the list is what the operator says the cluster is, so name
 * every server.
 */
export function defaultStoreReplicas(servers: readonly string[]): number {
  return servers.length >= DEFAULT_STORE_REPLICAS ? DEFAULT_STORE_REPLICAS : 1;
}
