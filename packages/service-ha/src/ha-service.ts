import { componentLogger, HttpAuth, type Logger, pemPrincipal, type TlsFiles } from '@tandem/protocol';
import type { LeaderIdentity, NatsAccess, Store } from '@tandem/store';
import { advertiseHostFor } from './advertise-host.js';
import { ElectedService, type LeadingService } from './elected-service.js';
import { LeaderFront, type LocalRoute } from './leader-front.js';
import { DEFAULT_STORE_REPLICAS, defaultStoreReplicas } from './store-replicas.js';

export interface HaServiceOptions<S extends LeadingService> {
  /** What the logs and messages call the service (`apps`, `jobs`). */
  name: string;
  /** NATS servers of the store (`nats://host:port`), as `parseStoreUrl` gives them. */
  servers: readonly string[];
  /** TLS and credentials for the servers (`tls://` servers need `access.tls`). @default plaintext, no credentials */
  access?: NatsAccess;
  /** The service's bucket: its state and its lease. */
  bucket: string;
  /** @default defaultStoreReplicas(servers): 3, or fewer when fewer servers are listed */
  replicas?: number;
  /** The lease's ttl. @default DEFAULT_LEASE_TTL_MS (10 s) */
  ttlMs?: number;
  storeTimeoutMs?: number;
  /** Interface and port of the REST API (0: any free port). */
  host: string;
  port: number;
  /** @default advertiseHostFor(host) */
  advertiseHost?: string;
  /** The endpoints every process answers itself (the others go to the leader). */
  routes(elected: ElectedService<S>): LocalRoute[];
  /** A new service for a new term, on the fenced store; `self` is this process as clients reach it. */
  make(store: Store, self: LeaderIdentity): S;
  /** Credentials the REST API requires (`LeaderFrontOptions.auth`). @default none */
  auth?: HttpAuth;
  /**
   * HTTPS on the REST API and between the processes (`LeaderFrontOptions.tls`). Every
   * process of the service must have a certificate with the same `OU/CN`: a request a
   * standby forwards is taken as the principal it names only from that principal.
   * @default plaintext
   */
  tls?: TlsFiles;
  /** Origins allowed cross-origin requests (`LeaderFrontOptions.corsOrigins`). @default none */
  corsOrigins?: readonly string[];
  logger?: Logger;
}

export interface RunningHaService<S extends LeadingService> {
  readonly front: LeaderFront;
  readonly elected: ElectedService<S>;
  /** The REST API's port. */
  readonly port: number;
  /** This process as clients reach it. */
  readonly self: LeaderIdentity;
  /** Ordered: the REST API (its connections and proxied streams), then the service and the lease (released). */
  stop(): Promise<void>;
}

/**
 * A service in high availability: its REST API listens at once (`LeaderFront`), the first
 * store is opened (a NATS that does not answer fails the start), and the process
 * contends for the lease in the background (`ElectedService`), running the service while
 * it leads and forwarding requests to the leader while it does not.
 */
export async function startHaService<S extends LeadingService>(o: HaServiceOptions<S>): Promise<RunningHaService<S>> {
  const log = componentLogger(`${o.name}-ha`, o.logger);
  const replicas = o.replicas ?? defaultStoreReplicas(o.servers);
  if (replicas < DEFAULT_STORE_REPLICAS) {
    log.warn(
      { bucket: o.bucket, replicas },
      `the ${o.name} bucket has fewer than ${DEFAULT_STORE_REPLICAS} replicas when it is created: losing a server's disk loses its state (production: ${DEFAULT_STORE_REPLICAS} NATS servers with sync_interval: always)`,
    );
  }
  let self: LeaderIdentity | undefined;
  const elected = new ElectedService<S>({
    servers: o.servers,
    ...(o.access ? { access: o.access } : {}),
    bucket: o.bucket,
    replicas,
    make: (store) => o.make(store, self!),
    ...(o.ttlMs !== undefined ? { ttlMs: o.ttlMs } : {}),
    ...(o.storeTimeoutMs !== undefined ? { storeTimeoutMs: o.storeTimeoutMs } : {}),
    ...(o.logger ? { logger: o.logger } : {}),
  });
  const own = o.tls ? pemPrincipal(o.tls.cert) : undefined;
  const auth = own !== undefined ? (o.auth ?? new HttpAuth()).with({ trustedProxies: [own] }) : o.auth;
  const front = new LeaderFront({
    name: o.name,
    advertiseHost: advertiseHostFor(o.host, o.advertiseHost),
    routes: o.routes(elected),
    ...(auth ? { auth } : {}),
    ...(o.tls ? { tls: o.tls } : {}),
    ...(o.corsOrigins ? { corsOrigins: o.corsOrigins } : {}),
    ...(o.logger ? { logger: o.logger } : {}),
  });
  const port = await front.listen(o.host, o.port);
  self = front.self;
  front.attach(elected);
  try {
    await elected.start(self);
  } catch (err) {
    await front.close();
    throw err;
  }
  log.info({ bucket: o.bucket, replicas, self }, `${o.name}: contending for the lease; standby until elected`);
  return {
    front,
    elected,
    port,
    self,
    stop: async () => {
      await front.close();
      await elected.stop();
    },
  };
}
