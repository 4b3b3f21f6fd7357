import { Master, type MasterLimitOptions } from '@tandem/master';
import type { Acls, BasicCredential, HttpAuth, Logger, TandemError, TlsFiles } from '@tandem/protocol';
import { MemberRoster, type NatsAccess, NatsKvStore } from '@tandem/store';

import { MASTER_BUCKET } from '../ha-flags.js';

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
  logger?: Logger;
}

export interface RunningMaster {
  /** `host:port` for clients on this machine. */
  readonly address: string;
  readonly grpcPort: number;
  readonly httpPort: number;
  /** HA: resolves, once the master has stopped, with why it stopped leading. */
  readonly steppedDown: Promise<TandemError> | undefined;
  stop(): Promise<void>;
}

export async function startMaster(options: MasterLaunch): Promise<RunningMaster> {
  const { ha, ...rest } = options;
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
  // HA: this master announces itself in the roster, so that `--master nats://...` finds every master.
  const roster = ha
    ? await MemberRoster.join({
        servers: [...ha.servers],
        ...(ha.access ? { access: ha.access } : {}),
        bucket: MASTER_BUCKET,
        self: { id: master.masterId, grpc: `${ha.advertiseHost}:${master.grpcPort}` },
        replicas: ha.replicas,
        ...(options.logger ? { logger: options.logger } : {}),
      }).catch(async (err: unknown) => {
        await master.stop();
        throw err;
      })
    : undefined;
  const steppedDown = ha
    ? master.steppedDown.then(async (why) => {
        await roster?.leave();
        return why;
      })
    : undefined;
  return {
    address: master.address,
    grpcPort: master.grpcPort,
    httpPort: master.httpPort,
    steppedDown,
    stop: async () => {
      await master.stop();
      await roster?.leave();
    },
  };
}
