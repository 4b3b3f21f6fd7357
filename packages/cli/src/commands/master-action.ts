import { Backoff, type Logger, sleep, TandemError, ValidationError } from '@tandem/protocol';
import type { Command } from 'commander';
import { z } from 'zod';
import { aclsFrom, aclsSchema } from '../acls-flag.js';
import { cliLogger } from '../cli-logger.js';
import type { CommandContext } from '../command-context.js';
import { corsOption, corsSchema } from '../cors-flag.js';
import { credentialsFrom, credentialsSchema } from '../credential-flags.js';
import { advertisedHost, bucketReplicas, haSchema } from '../ha-flags.js';
import { httpAuthFrom, httpAuthSchema } from '../http-auth-flags.js';
import { limitsFrom, limitsSchema } from '../limit-flags.js';
import { natsEventsFrom, natsEventsSchema } from '../nats-events-flags.js';
import { parseOptions } from '../parse-options.js';
import { parseRateLimit } from '../rate-limit-flag.js';
import { parseWeightList } from '../role-flags.js';
import { count, nonEmpty, port, positive, seconds, secondsToMs } from '../schemas.js';
import { stopOnSignal } from '../stop-on-signal.js';
import { accessOf, natsAccessFor, STORE_FLAG, warnPlaintextStore } from '../store-access.js';
import { tlsFromFlags, tlsSchema } from '../tls-flags.js';
import { uiLinksOption, uiLinksSchema } from '../ui-links-flags.js';

export const masterSchema = z
  .object({
    host: nonEmpty(),
    port: port(),
    httpPort: port(-1),
    workDir: nonEmpty(),
    agentPingInterval: positive('number of seconds'),
    maxMissedPings: count(),
    agentReregisterTimeout: positive('number of seconds'),
    offerTimeout: seconds(),
    allocationInterval: positive('number of seconds'),
    weights: z.string().optional(),
    agentRemovalRateLimit: z.string().optional(),
  })
  .extend(haSchema.shape)
  .extend(limitsSchema.shape)
  .extend(tlsSchema.shape)
  .extend(httpAuthSchema.shape)
  .extend(corsSchema.shape)
  .extend(uiLinksSchema.shape)
  .extend(aclsSchema.shape)
  .extend(credentialsSchema.shape)
  .extend(natsEventsSchema.shape);

const WEIGHTS_FLAG = '--weights (TANDEM_WEIGHTS)';
const REMOVAL_RATE_FLAG = '--agent-removal-rate-limit (TANDEM_AGENT_REMOVAL_RATE_LIMIT)';

/** Starts a master again, every few seconds until it starts or a signal comes (then undefined). */
async function untilStarted<M>(start: () => Promise<M>, signal: { received: Promise<NodeJS.Signals> }, log: Logger): Promise<M | undefined> {
  const backoff = new Backoff({ initialMs: 500, maxMs: 5_000 });
  let stopped = false;
  void signal.received.then(() => {
    stopped = true;
  });
  while (!stopped) {
    try {
      return await start();
    } catch (err) {
      const delay = backoff.next();
      log.warn({ err: TandemError.from(err).message, retryMs: delay }, 'could not stand by again; trying again');
      await Promise.race([sleep(delay), signal.received]);
    }
  }
  return undefined;
}

/** The next thing that happens to a running master: a signal to stop, or (HA) its stepping down. */
async function nextOutcome(signal: { received: Promise<NodeJS.Signals> }, steppedDown: Promise<TandemError> | undefined): Promise<'signal' | TandemError> {
  const received = signal.received.then(() => 'signal' as const);
  return steppedDown ? Promise.race([received, steppedDown]) : received;
}

export async function runMaster(ctx: CommandContext, cmd: Command): Promise<void> {
  const o = parseOptions(cmd, masterSchema);
  const weights = o.weights === undefined ? undefined : parseWeightList(o.weights, WEIGHTS_FLAG);
  const tls = tlsFromFlags(o);
  const limits = limitsFrom(o);
  const httpAuth = await httpAuthFrom(o);
  const cors = corsOption(o);
  const uiLinks = uiLinksOption(o);
  const acls = await aclsFrom(o);
  const credentials = credentialsFrom(o);
  const events = await natsEventsFrom(o, tls);
  const agentRemovalRateLimit = o.agentRemovalRateLimit === undefined ? undefined : parseRateLimit(o.agentRemovalRateLimit, REMOVAL_RATE_FLAG);
  const { parseStoreUrl } = await import('@tandem/store');
  const location = o.store === undefined ? undefined : parseStoreUrl(o.store, STORE_FLAG);
  const access = location?.kind === 'nats' ? natsAccessFor(location, tls, o.storeCredentials) : undefined;
  const workDir = location?.kind === 'file' ? location.dir : o.workDir;
  const ha =
    location?.kind === 'nats'
      ? {
          servers: location.servers,
          ...accessOf(access),
          replicas: bucketReplicas(location.servers, o.storeReplicas),
          advertiseHost: advertisedHost(o.host, o.advertiseHost),
          leaseTtlMs: secondsToMs(o.leaseTtl),
        }
      : undefined;
  const { startMaster } = await import('../cluster/start-master.js');
  const log = cliLogger('master');
  warnPlaintextStore(log, location, tls);
  const signal = ctx.shutdownSignal();
  const launch = {
    host: o.host,
    workDir,
    agentPingIntervalMs: secondsToMs(o.agentPingInterval),
    maxMissedPings: o.maxMissedPings,
    agentReregisterTimeoutMs: secondsToMs(o.agentReregisterTimeout),
    offerTimeoutMs: secondsToMs(o.offerTimeout),
    allocationIntervalMs: secondsToMs(o.allocationInterval),
    weights,
    ...(agentRemovalRateLimit ? { agentRemovalRateLimit } : {}),
    ...(ha ? { ha } : {}),
    ...(tls ? { tls } : {}),
    limits,
    ...(httpAuth ? { httpAuth } : {}),
    ...cors,
    ...uiLinks,
    ...(acls ? { acls } : {}),
    ...(credentials ? { credentials } : {}),
    ...(events ? { events } : {}),
  };
  const start = (ports: { port: number; httpPort: number }) =>
    startMaster({ ...launch, ...ports }).catch((err: unknown) => {
      // A bad start-up weight is the flag's fault: say so.
      const e = TandemError.from(err);
      throw e.field?.startsWith('weights') ? new ValidationError(WEIGHTS_FLAG, e.message) : e;
    });
  try {
    let master = await start({ port: o.port, httpPort: o.httpPort });
    log.info({ grpcPort: master.grpcPort, httpPort: master.httpPort, address: master.address }, 'master listening');
    const where = ha ? `store ${ha.servers.join(',')}${access?.auth ? ' with credentials' : ''}; standing by until it leads` : `work dir ${workDir}`;
    ctx.io.stdout(
      `tandem master: gRPC ${o.host}:${master.grpcPort}${master.httpPort > 0 ? `, ${tls ? 'HTTPS' : 'HTTP'} ${o.host}:${master.httpPort}` : ''} (${where}${tls ? '; mutual TLS only' : ''})\n`,
    );
    // An HA master that loses its lease has stopped; a new one stands by on the same ports (Mesos' masters exit to be restarted instead).
    const ports = { port: master.grpcPort, httpPort: master.httpPort > 0 ? master.httpPort : o.httpPort };
    for (;;) {
      const outcome = await nextOutcome(signal, master.steppedDown);
      if (outcome === 'signal') break;
      log.warn({ why: outcome.message }, 'the master stepped down; standing by again');
      // NATS may be what made it step down (no quorum, cut off): try until it answers.
      const again = await untilStarted(() => start(ports), signal, log);
      if (!again) break;
      master = again;
    }
    const running = master;
    await stopOnSignal(ctx, signal, log, 'master', () => running.stop());
  } finally {
    signal.dispose();
  }
}
