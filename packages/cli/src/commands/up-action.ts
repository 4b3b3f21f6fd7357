import { join } from 'node:path';
import type { RunningJobs } from '@tandem/jobs';
import type { Command } from 'commander';
import { z } from 'zod';
import { cliLogger } from '../cli-logger.js';
import type { RunningAgent } from '../cluster/start-agent.js';
import type { RunningMaster } from '../cluster/start-master.js';
import { upBanner } from '../cluster/up-banner.js';
import type { CommandContext } from '../command-context.js';
import { httpAuthFrom, httpAuthSchema } from '../http-auth-flags.js';
import { natsEventsFrom, natsEventsSchema } from '../nats-events-flags.js';
import { parseOptions } from '../parse-options.js';
import { nonEmpty, port } from '../schemas.js';

export const upSchema = z
  .object({
    bind: nonEmpty(),
    workDir: nonEmpty(),
    port: port(),
    httpPort: port(-1),
    jobsPort: port(-1),
    appsPort: port(-1),
    agentHttpPort: port(-1),
    keepTasks: z.boolean().optional(),
  })
  .extend(httpAuthSchema.shape)
  .extend(natsEventsSchema.shape);

/** Whether `host` is reachable from this machine only. */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

export async function runUp(ctx: CommandContext, cmd: Command): Promise<void> {
  const o = parseOptions(cmd, upSchema);
  const httpAuth = await httpAuthFrom(o);
  const events = await natsEventsFrom(o, undefined);
  const { startMaster } = await import('../cluster/start-master.js');
  const { startAgent } = await import('../cluster/start-agent.js');
  const log = cliLogger('up');
  if (!isLoopback(o.bind)) {
    ctx.io.stderr(
      `tandem up: WARNING: --bind ${o.bind} exposes the cluster to the network: the master's gRPC API is unauthenticated, and so are its HTTP API and the apps and jobs APIs ${httpAuth ? '(these require the credentials given)' : 'unless --http-credentials, --http-credentials-file or --http-tokens-file is set'}\n`,
    );
  }
  const signal = ctx.shutdownSignal();
  let master: RunningMaster | undefined;
  let agent: RunningAgent | undefined;
  let jobs: RunningJobs | undefined;
  let apps: Awaited<ReturnType<typeof import('@tandem/apps').startAppsService>> | undefined;
  try {
    master = await startMaster({
      host: o.bind,
      port: o.port,
      httpPort: o.httpPort,
      workDir: join(o.workDir, 'master'),
      ...(httpAuth ? { httpAuth } : {}),
      ...(events ? { events } : {}),
    });
    agent = await startAgent({
      master: master.address,
      workDir: join(o.workDir, 'agent'),
      containerizers: ['docker', 'process'],
      strict: false,
      logger: log,
      ...(o.agentHttpPort >= 0 ? { httpPort: o.agentHttpPort, httpHost: o.bind, ...(httpAuth ? { httpAuth } : {}) } : {}),
    });
    if (o.jobsPort >= 0) {
      const { startJobsService } = await import('@tandem/jobs');
      jobs = await startJobsService({
        master: master.address,
        host: o.bind,
        port: o.jobsPort,
        ...(httpAuth ? { httpAuth } : {}),
        workDir: join(o.workDir, 'jobs'),
        logger: log,
      });
    }
    if (o.appsPort >= 0) {
      const { startAppsService } = await import('@tandem/apps');
      apps = await startAppsService({
        master: master.address,
        host: o.bind,
        port: o.appsPort,
        ...(httpAuth ? { httpAuth } : {}),
        workDir: join(o.workDir, 'apps'),
        logger: log,
      });
      log.info({ appsPort: apps.framework.port }, 'apps framework up');
    }
    const jobsPort = jobs?.framework.port ?? -1;
    // The web UI's apps and jobs pages reach these services through the master, in this process.
    const local = o.bind === '0.0.0.0' || o.bind === '::' ? '127.0.0.1' : o.bind.includes(':') ? `[${o.bind}]` : o.bind;
    if (apps) master.uiLinks.appsUrl = `http://${local}:${apps.framework.port}`;
    if (jobs) master.uiLinks.jobsUrl = `http://${local}:${jobs.framework.port}`;
    log.info({ grpcPort: master.grpcPort, httpPort: master.httpPort, jobsPort, agentId: agent.agentId, containerizers: agent.containerizers }, 'tandem up');
    ctx.io.stdout(
      upBanner({
        bind: o.bind,
        masterAddress: master.address,
        httpPort: master.httpPort > 0 ? master.httpPort : -1,
        appsPort: apps?.framework.port ?? -1,
        jobsPort,
        agentId: agent.agentId,
        agentHttpPort: agent.httpPort ?? -1,
        containerizers: agent.containerizers,
        keepTasks: o.keepTasks === true,
      }),
    );
    const received = await signal.received;
    log.info({ signal: received }, 'stopping');
    ctx.io.stdout(`tandem up: stopping${o.keepTasks ? ' (the tasks keep running)' : '; killing its tasks'}\n`);
    ctx.setExitCode(0);
  } finally {
    // Ordered: the frameworks (so none relaunches what is killed), the agent (it kills its
    // tasks and waits for them to end, unless --keep-tasks), then the master.
    await apps?.stop();
    await jobs?.stop();
    await agent?.stop({ killTasks: o.keepTasks !== true });
    await master?.stop();
    signal.dispose();
  }
}
