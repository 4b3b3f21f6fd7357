import { type ElectedService, hostPortOf, type LocalRoute, leaderRoute, pingRoute, type RunningHaService, startHaService } from '@tandem/service-ha';
import type { NatsAccess } from '@tandem/store';
import { AppsFramework } from './apps-framework.js';
import { keys } from './core/store-keys.js';
import { infoDocument } from './http/info-document.js';
import { wantsTandem } from './http/tandem-opt-in.js';
import { type AppsFrameworkOptions, resolveAppsSettings } from './options.js';

/** The apps framework's bucket on a NATS store. */
export const APPS_BUCKET = 'tandem-apps';

export interface AppsHaServiceOptions extends Omit<AppsFrameworkOptions, 'store' | 'embedHttp' | 'advertisedAddress' | 'signal'> {
  /** The NATS store every apps process of the cluster shares. */
  store: {
    servers: readonly string[];
    /** TLS and credentials for the servers. @default plaintext, no credentials */
    access?: NatsAccess;
    /** @default APPS_BUCKET */
    bucket?: string;
    /** @default 3, or the number of servers when fewer (see defaultStoreReplicas) */
    replicas?: number;
    /** @default the store's (5 s) */
    timeoutMs?: number;
  };
  /** The host other processes and clients reach this one at. @default advertiseHostFor(host) */
  advertiseHost?: string;
  /** @default DEFAULT_LEASE_TTL_MS (10 s) */
  leaseTtlMs?: number;
}

export interface RunningAppsHa {
  /** The REST API's port (every process serves it). */
  readonly port: number;
  /** This process' API as clients reach it (`http://host:port`). */
  readonly url: string;
  /** The framework while this process leads. */
  framework(): AppsFramework | undefined;
  leading(): boolean;
  /** `host:port` of the leader, when one is known. */
  leader(): string | undefined;
  /** Ordered: the REST API, then the framework (if it runs here) and the lease (released: a standby takes over at once). */
  stop(): Promise<void>;
}

/**
 * The apps framework in high availability, as Marathon ran: any number of these processes
 * on one NATS bucket; one leads (LeaderLease) and runs the framework; every process
 * serves the REST API, the standbys forwarding each request to the leader, except
 * `/ping`, `/v2/leader` and a standby's `/v2/info` (`elected: false`), answered locally.
 * A new leader reads the framework id from the store, re-subscribes as the same framework
 * and reconciles, as after a restart.
 */
export async function startAppsHaService(options: AppsHaServiceOptions): Promise<RunningAppsHa> {
  const { store, advertiseHost, leaseTtlMs, ...rest } = options;
  // Checked now, so that a bad option fails the start rather than the first election.
  const settings = resolveAppsSettings(rest);
  const running: RunningHaService<AppsFramework> = await startHaService<AppsFramework>({
    name: 'apps',
    servers: store.servers,
    ...(store.access ? { access: store.access } : {}),
    bucket: store.bucket ?? APPS_BUCKET,
    host: settings.host,
    port: settings.port,
    ...(store.replicas !== undefined ? { replicas: store.replicas } : {}),
    ...(store.timeoutMs !== undefined ? { storeTimeoutMs: store.timeoutMs } : {}),
    ...(advertiseHost !== undefined ? { advertiseHost } : {}),
    ...(leaseTtlMs !== undefined ? { ttlMs: leaseTtlMs } : {}),
    ...(rest.logger ? { logger: rest.logger } : {}),
    ...(settings.httpAuth ? { auth: settings.httpAuth } : {}),
    ...(settings.tls ? { tls: settings.tls } : {}),
    ...(settings.corsOrigins ? { corsOrigins: settings.corsOrigins } : {}),
    routes: (elected) => [pingRoute(), leaderRoute('/v2/leader'), standbyInfoRoute(settings, elected)],
    make: (kv, self) => {
      const address = hostPortOf(self);
      return new AppsFramework({ ...rest, store: kv, embedHttp: true, advertisedAddress: address, port: Number(new URL(self.http!).port) });
    },
  });
  return {
    port: running.port,
    url: running.self.http!,
    framework: () => running.elected.service,
    leading: () => running.elected.leading(),
    leader: () => {
      const leader = running.elected.leader();
      return leader ? hostPortOf(leader) : undefined;
    },
    stop: () => running.stop(),
  };
}

/**
 * A standby's `/v2/info`: the configuration, `elected: false`, the leader, the framework id as
 * stored, and Tandem's fields with `?embed=tandem` as the leader's. The leader's framework answers its own.
 */
function standbyInfoRoute(settings: ReturnType<typeof resolveAppsSettings>, elected: ElectedService<AppsFramework>): LocalRoute {
  return {
    method: 'GET',
    path: '/v2/info',
    answer: async ({ leading, leader, self }, query) => {
      if (leading) return undefined;
      const frameworkId = await elected.store?.get<string>(keys.frameworkId).then(
        (e) => e?.value ?? null,
        () => null,
      );
      return {
        status: 200,
        body: infoDocument(settings, {
          elected: false,
          leader: leader && leader.id !== self.id ? hostPortOf(leader) : null,
          frameworkId: frameworkId ?? null,
          connected: false,
          httpPort: Number(new URL(self.http!).port),
          hostname: new URL(self.http!).hostname,
          ha: true,
          tandem: wantsTandem(Object.fromEntries([...query.keys()].map((k) => [k, query.getAll(k)]))),
        }),
      };
    },
  };
}
