import { Master } from '@tandem/master';
import type { Logger } from '@tandem/protocol';

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
  logger?: Logger;
}

export interface RunningMaster {
  /** `host:port` for clients on this machine. */
  readonly address: string;
  readonly grpcPort: number;
  readonly httpPort: number;
  stop(): Promise<void>;
}

export async function startMaster(options: MasterLaunch): Promise<RunningMaster> {
  const master = new Master(options);
  await master.start();
  return {
    address: master.address,
    grpcPort: master.grpcPort,
    httpPort: master.httpPort,
    stop: () => master.stop(),
  };
}
