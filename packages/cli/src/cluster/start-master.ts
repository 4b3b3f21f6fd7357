import { EventPublisher, Master, type MasterLimitOptions, type UiLinks } from '@tandem/master';
import { type Acls, Backoff, type BasicCredential, componentLogger, type HttpAuth, type Logger, sleep, TandemError, type TlsFiles } from '@tandem/protocol';
import { type NatsAccess, NatsKvStore, type NatsPublisher, openNatsPublisher, RosterMembership } from '@tandem/store';
import { MASTER_BUCKET } from '../ha-flags.js';
import type { NatsEventsTarget } from '../nats-events-flags.js';

/** What the CLI tells the master; the one place the CLI touches @tandem/master. */
export interface MasterLaunch {
  host: string;
  port: number;
  httpPort: number;
  workDir: string;
  agentPingIntervalMs?: number;
  maxMissedPings?: number;
  agentReregisterTimeoutMs?: number;
  offerTimeoutMs?: number;
  allocationIntervalMs?: number;
  /** At most `count` agents per `perMs` marked unreachable (MasterOptions.agentRemovalRateLimit); unset = unlimited. */
  agentRemovalRateLimit?: { count: number; perMs: number };
  /** Start-up role weights; the registry wins once it holds any (MasterOptions.weights). */
  weights?: Record<string, number>;
  /** Several masters on one NATS store: this one stands by until it leads. */
  ha?: { servers: readonly string[]; access?: NatsAccess; replicas: number; advertiseHost: string; leaseTtlMs: number };
  /** Mutual TLS on the gRPC port, HTTPS on the HTTP port (MasterOptions.tls). */
  tls?: TlsFiles;
  /** Credentials the HTTP API requires on every path but /health (MasterOptions.httpAuth). */
  httpAuth?: HttpAuth;
  /** Origins allowed cross-origin requests on the HTTP API (MasterOptions.corsOrigins). */
  corsOrigins?: readonly string[];
  /** ACLs on the gRPC APIs (`--acls`; MasterOptions.acls). */
  acls?: Acls;
  /** Principals and secrets gRPC calls may present (`--credentials`; MasterOptions.credentials). */
  credentials?: readonly BasicCredential[];
  /** Limits against denial of service (MasterOptions.limits; the limit flags). */
  limits?: MasterLimitOptions;
  /** Publish the master's events on these NATS servers (`--nats`). */
  events?: NatsEventsTarget;
  /** The apps and jobs APIs the web UI shows (`--apps-url`, `--jobs-url`; MasterOptions.uiLinks). */
  uiLinks?: UiLinks;
  logger?: Logger;
}

export interface RunningMaster {
  /** `host:port` for clients on this machine. */
  readonly address: string;
  readonly grpcPort: number;
  readonly httpPort: number;
  /** HA: resolves, once the master has stopped, with why it stopped leading. */
  readonly steppedDown: Promise<TandemError> | undefined;
  /** The apps and jobs APIs the web UI shows; `tandem up` sets them once those services are up. */
  readonly uiLinks: UiLinks;
  stop(): Promise<void>;
}

export async function startMaster(options: MasterLaunch): Promise<RunningMaster> {
  const { ha, events, ...rest } = options;
  const store = ha
    ? await NatsKvStore.open({
        servers: [...ha.servers],
        ...(ha.access ? { access: ha.access } : {}),
        bucket: MASTER_BUCKET,
        replicas: ha.replicas,
        ...(options.logger ? { logger: options.logger } : {}),
      })
    : undefined;
  const master = new Master({ ...rest, ...(ha && store ? { ha: { store, advertiseHost: ha.advertiseHost, leaseTtlMs: ha.leaseTtlMs } } : {}) });
  await master.start();
  // HA: this master announces itself in the roster, so that `--master nats://...` finds every
  // master; in the background, since the master leads and serves without it.
  const roster = ha
    ? new RosterMembership({
        servers: [...ha.servers],
        ...(ha.access ? { access: ha.access } : {}),
        bucket: MASTER_BUCKET,
        self: { id: master.masterId, grpc: `${ha.advertiseHost}:${master.grpcPort}` },
        replicas: ha.replicas,
        ...(options.logger ? { logger: options.logger } : {}),
      })
    : undefined;
  const publishing = events ? publishEvents(master, events, options.logger) : undefined;
  const steppedDown = ha
    ? master.steppedDown.then(async (why) => {
        // The master has stopped: so do its events' connection and its roster entry (a new master brings its own).
        await publishing?.stop();
        await roster?.leave();
        return why;
      })
    : undefined;
  return {
    address: master.address,
    grpcPort: master.grpcPort,
    httpPort: master.httpPort,
    steppedDown,
    uiLinks: master.uiLinks,
    stop: async () => {
      await master.stop();
      await publishing?.stop();
      await roster?.leave();
    },
  };
}

/**
 * Publishes the master's events on NATS (`--nats`): connects in the background, again
 * and again while NATS does not answer (the master runs meanwhile; its events until then
 * are not published), then publishes through an `EventPublisher` (bounded buffer; drops
 * counted in `tandem_master_events_dropped_total`).
 */
function publishEvents(master: Master, target: NatsEventsTarget, given: Logger | undefined): { stop(): Promise<void> } {
  const logger = componentLogger('events', given);
  const stopped = new AbortController();
  let connection: NatsPublisher | undefined;
  let publisher: EventPublisher | undefined;
  const connecting = (async () => {
    const backoff = new Backoff({ initialMs: 500, maxMs: 10_000 });
    while (!stopped.signal.aborted) {
      try {
        const nc = await openNatsPublisher({
          servers: target.servers,
          ...(target.access ? { access: target.access } : {}),
          name: 'tandem-master-events',
          logger,
        });
        if (stopped.signal.aborted) return void (await nc.close());
        connection = nc;
        publisher = new EventPublisher(nc, given ? { logger: given } : {});
        master.metrics.countPublished(publisher);
        publisher.attach(master);
        logger.info({ servers: target.servers }, 'publishing events on NATS (tandem.events.<kind>)');
        return;
      } catch (err) {
        const delay = backoff.next();
        logger.warn({ err: TandemError.from(err).message, retryMs: delay }, 'cannot connect to NATS for events; trying again');
        await sleep(delay, stopped.signal).catch(() => undefined);
      }
    }
  })();
  return {
    stop: async () => {
      stopped.abort();
      await connecting;
      await publisher?.stop();
      await connection?.close();
    },
  };
}
