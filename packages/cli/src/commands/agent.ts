import { Command } from 'commander';
import { z } from 'zod';
import { cliLogger } from '../cli-logger.js';
import type { ContainerizerName } from '../cluster/start-agent.js';
import type { CommandContext } from '../command-context.js';
import { DEFAULT_AGENT_PORT, DEFAULT_AGENT_WORK_DIR, DEFAULT_CONTAINERIZERS } from '../defaults.js';
import { flag, masterFlag } from '../flag-option.js';
import { parseOptions } from '../parse-options.js';
import { address, nonEmpty, port } from '../schemas.js';
import { stopOnSignal } from '../stop-on-signal.js';

const CONTAINERIZERS = ['docker', 'process'] as const;

export const containerizerList = () =>
  z
    .string()
    .transform((s) =>
      s
        .split(',')
        .map((x) => x.trim())
        .filter(Boolean),
    )
    .pipe(z.array(z.enum(CONTAINERIZERS, { error: 'must be a comma-separated list of docker, process' })).min(1, 'must name at least one of docker, process'));

export const agentSchema = z.object({
  master: address(),
  port: port(),
  workDir: nonEmpty(),
  hostname: nonEmpty().optional(),
  containerizers: containerizerList(),
  resources: z.string().optional(),
  attributes: z.string().optional(),
});

export function agentCommand(ctx: CommandContext): Command {
  const cmd = new Command('agent')
    .description("Run a Tandem agent: it dials the master, offers this host's resources and runs tasks in containers.")
    .addOption(masterFlag())
    .addOption(
      flag(
        '--port <port>',
        "port of the agent's HTTP /health and /api/v1/state (the agent dials the master; the master never connects here); 0 = any free port",
        DEFAULT_AGENT_PORT,
      ),
    )
    .addOption(flag('--work-dir <dir>', 'directory of checkpoints and task sandboxes', DEFAULT_AGENT_WORK_DIR))
    .addOption(flag('--hostname <name>', 'hostname the agent registers with (default: os.hostname())'))
    .addOption(flag('--containerizers <list>', 'containerizers to use, in preference order: docker,process; each must be available', DEFAULT_CONTAINERIZERS))
    .addOption(flag('--resources <spec>', 'override detected resources, Mesos syntax: "cpus:2;mem:2048;disk:10000;ports:[31000-32000]"'))
    .addOption(flag('--attributes <spec>', 'agent attributes, e.g. "rack:r1;zone:a"'))
    .action(async () => {
      const o = parseOptions(cmd, agentSchema);
      const { startAgent } = await import('../cluster/start-agent.js');
      const log = cliLogger('agent');
      const signal = ctx.shutdownSignal();
      try {
        const agent = await startAgent({
          master: o.master,
          workDir: o.workDir,
          containerizers: o.containerizers as ContainerizerName[],
          strict: true,
          logger: log,
          httpPort: o.port,
          ...(o.hostname ? { hostname: o.hostname } : {}),
          ...(o.resources ? { resources: o.resources } : {}),
          ...(o.attributes ? { attributes: o.attributes } : {}),
        });
        log.info({ agentId: agent.agentId, master: o.master, containerizers: agent.containerizers, httpPort: agent.httpPort }, 'agent started');
        ctx.io.stdout(`tandem agent: ${agent.agentId ?? '(registering)'} on master ${o.master}, containerizers ${agent.containerizers.join(',')}\n`);
        // The master may shut the agent down (it was marked gone): then exit 1, saying so, rather than wait for a signal.
        const shutDown = agent.closed().then(() => true);
        if (await Promise.race([stopOnSignal(ctx, signal, log, 'agent', () => agent.stop()).then(() => false), shutDown])) {
          await agent.stop();
          log.error({ agentId: agent.agentId }, 'the master shut this agent down; exiting');
          ctx.io.stderr('tandem agent: the master shut this agent down (marked gone?); its tasks were killed and its id forgotten\n');
          ctx.setExitCode(1);
        }
      } finally {
        signal.dispose();
      }
    });
  return cmd;
}
