import { join } from 'node:path';
import type { RunningJobs } from '@tandem/jobs';
import { Command } from 'commander';
import { z } from 'zod';
import { cliLogger } from '../cli-logger.js';
import type { RunningAgent } from '../cluster/start-agent.js';
import type { RunningMaster } from '../cluster/start-master.js';
import type { CommandContext } from '../command-context.js';
import { DEFAULT_APPS_PORT, DEFAULT_HOST, DEFAULT_HTTP_PORT, DEFAULT_JOBS_PORT, DEFAULT_MASTER_PORT, DEFAULT_WORK_DIR } from '../defaults.js';
import { flag } from '../flag-option.js';
import { parseOptions } from '../parse-options.js';
import { nonEmpty, port } from '../schemas.js';

export const upSchema = z.object({
  workDir: nonEmpty(),
  port: port(),
  httpPort: port(-1),
  jobsPort: port(-1),
  appsPort: port(-1),
});

export function upCommand(ctx: CommandContext): Command {
  const cmd = new Command('up')
    .description(
      'Run a whole cluster in this process: a master, one agent (Docker when a Docker Engine answers, the process containerizer as well), the apps framework and the jobs framework. Ctrl-C stops them.',
    )
    .addOption(flag('--work-dir <dir>', 'parent of the master/, agent/, apps/ and jobs/ work dirs', DEFAULT_WORK_DIR))
    .addOption(flag('--port <port>', 'master gRPC port; 0 = any free port', DEFAULT_MASTER_PORT))
    .addOption(flag('--http-port <port>', 'master HTTP port; 0 = any free port, -1 = off', DEFAULT_HTTP_PORT))
    .addOption(flag('--jobs-port <port>', 'jobs framework REST API port; 0 = any free port, -1 = no jobs framework', DEFAULT_JOBS_PORT))
    .addOption(flag('--apps-port <port>', 'apps framework REST API port; 0 = any free port, -1 = no apps framework', DEFAULT_APPS_PORT))
    .action(async () => {
      const o = parseOptions(cmd, upSchema);
      const { startMaster } = await import('../cluster/start-master.js');
      const { startAgent } = await import('../cluster/start-agent.js');
      const log = cliLogger('up');
      const signal = ctx.shutdownSignal();
      let master: RunningMaster | undefined;
      let agent: RunningAgent | undefined;
      let jobs: RunningJobs | undefined;
      let apps: Awaited<ReturnType<typeof import('@tandem/apps').startAppsService>> | undefined;
      try {
        master = await startMaster({ host: DEFAULT_HOST, port: o.port, httpPort: o.httpPort, workDir: join(o.workDir, 'master') });
        agent = await startAgent({
          master: master.address,
          workDir: join(o.workDir, 'agent'),
          containerizers: ['docker', 'process'],
          strict: false,
          logger: log,
        });
        if (o.jobsPort >= 0) {
          const { startJobsService } = await import('@tandem/jobs');
          jobs = await startJobsService({ master: master.address, port: o.jobsPort, workDir: join(o.workDir, 'jobs'), logger: log });
        }
        if (o.appsPort >= 0) {
          const { startAppsService } = await import('@tandem/apps');
          apps = await startAppsService({ master: master.address, port: o.appsPort, workDir: join(o.workDir, 'apps'), logger: log });
          log.info({ appsPort: apps.framework.port }, 'apps framework up');
        }
        const jobsPort = jobs?.framework.port ?? -1;
        log.info({ grpcPort: master.grpcPort, httpPort: master.httpPort, jobsPort, agentId: agent.agentId, containerizers: agent.containerizers }, 'tandem up');
        ctx.io.stdout(
          `tandem up: master ${master.address}${master.httpPort > 0 ? ` (HTTP :${master.httpPort})` : ''}, agent ${agent.agentId ?? '(registering)'} with ${agent.containerizers.join(',')}${jobs ? `, jobs API :${jobsPort}` : ''}; Ctrl-C stops\n`,
        );
        const received = await signal.received;
        log.info({ signal: received }, 'stopping');
        ctx.setExitCode(0);
      } finally {
        await apps?.stop();
        await jobs?.stop();
        // Ordered: the jobs framework, the agent (its tasks keep running), then the master.
        await agent?.stop();
        await master?.stop();
        signal.dispose();
      }
    });
  return cmd;
}
