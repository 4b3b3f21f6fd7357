import { resolveServiceFrameworkOptions } from '@tandem/framework-sdk';
import { type ElectedService, hostPortOf, type LocalRoute, leaderRoute, pingRoute, startHaService } from '@tandem/service-ha';
import type { NatsAccess } from '@tandem/store';
import { systemClock } from './core/clock.js';
import { keys } from './core/store-keys.js';
import { DEFAULT_FRAMEWORK_NAME, DEFAULT_JOBS_PORT } from './defaults.js';
import { parseEmbeds } from './http/job-view.js';
import { JOBS_API_VERSION, MARATHON_LIB_VERSION, METRONOME_API_VERSION } from './http/jobs-server.js';
import { JobsFramework } from './jobs-framework.js';
import type { JobsServiceOptions, JobsServiceTestOptions } from './jobs-service.js';

/** The jobs framework's bucket on a NATS store. */
export const JOBS_BUCKET = 'tandem-jobs';

export interface JobsHaServiceOptions extends Omit<JobsServiceOptions, 'workDir' | 'embedHttp' | 'advertisedAddress' | 'signal'> {
  /** The NATS store every jobs process of the cluster shares. */
  store: {
    servers: readonly string[];
    /** TLS and credentials for the servers. @default plaintext, no credentials */
    access?: NatsAccess;
    /** @default JOBS_BUCKET */
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

export interface RunningJobsHa {
  /** The REST API's port (every process serves it). */
  readonly port: number;
  /** This process' API as clients reach it (`http://host:port`). */
  readonly url: string;
  /** The framework while this process leads. */
  framework(): JobsFramework | undefined;
  leading(): boolean;
  /** `host:port` of the leader, when one is known. */
  leader(): string | undefined;
  /** Ordered: the REST API, then the framework (if it runs here) and the lease (released: a standby takes over at once). */
  stop(): Promise<void>;
}

/**
 * The jobs framework in high availability, as the apps framework (and Marathon): any
 * number of these processes on one NATS bucket, one leading and running the framework,
 * the others forwarding the REST API to it but for `/ping`, `/v1/leader` (Marathon's
 * shape; Metronome has none) and a standby's `/info` (`elected: false`). A new leader
 * re-subscribes under the stored framework id and adopts the runs' tasks by
 * reconciliation, as after a restart: nothing is launched twice.
 */
export async function startJobsHaService(options: JobsHaServiceOptions & JobsServiceTestOptions): Promise<RunningJobsHa> {
  const { store, advertiseHost, leaseTtlMs, clockOffsetMs, ...rest } = options;
  // Checked now, so that a bad option fails the start rather than the first election.
  const settings = resolveServiceFrameworkOptions(rest, { port: DEFAULT_JOBS_PORT, frameworkName: DEFAULT_FRAMEWORK_NAME });
  const running = await startHaService<JobsFramework>({
    name: 'jobs',
    servers: store.servers,
    ...(store.access ? { access: store.access } : {}),
    bucket: store.bucket ?? JOBS_BUCKET,
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
    routes: (elected) => [pingRoute(), leaderRoute('/v1/leader'), standbyInfoRoute(elected)],
    make: (kv, self) =>
      new JobsFramework({
        ...rest,
        store: kv,
        clock: systemClock(clockOffsetMs ?? 0),
        embedHttp: true,
        advertisedAddress: hostPortOf(self),
        port: Number(new URL(self.http!).port),
      }),
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
 * A standby's `/info`: Metronome's keys and, with `?embed=tandem` (as the leader's), Tandem's
 * `elected: false`, the leader, the framework id as stored. The leader's framework answers its own.
 */
function standbyInfoRoute(elected: ElectedService<JobsFramework>): LocalRoute {
  return {
    method: 'GET',
    path: '/info',
    answer: async ({ leading, leader, self }, query) => {
      if (leading) return undefined;
      const metronome = { version: METRONOME_API_VERSION, libVersion: MARATHON_LIB_VERSION };
      if (!parseEmbeds(query.getAll('embed')).has('tandem')) return { status: 200, body: metronome };
      const frameworkId = await elected.store?.get<string>(keys.frameworkId).then(
        (e) => e?.value ?? null,
        () => null,
      );
      return {
        status: 200,
        body: {
          ...metronome,
          tandemVersion: JOBS_API_VERSION,
          frameworkId: frameworkId ?? null,
          elected: false,
          leader: leader && leader.id !== self.id ? hostPortOf(leader) : null,
        },
      };
    },
  };
}
