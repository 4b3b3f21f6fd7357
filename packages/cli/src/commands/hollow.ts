import { componentLogger } from '@tandem/protocol';
import { Command } from 'commander';
import { z } from 'zod';
import { cliLogger } from '../cli-logger.js';
import type { CommandContext } from '../command-context.js';
import { DEFAULT_HOLLOW_RESOURCES, DEFAULT_HOLLOW_WORK_DIR } from '../defaults.js';
import { flag, masterFlag } from '../flag-option.js';
import { parseOptions } from '../parse-options.js';
import { count, masters, nonEmpty, nonNegative } from '../schemas.js';
import { stopOnSignal } from '../stop-on-signal.js';

export const hollowSchema = z.object({
  master: masters(),
  count: count(),
  resources: nonEmpty(),
  workDir: nonEmpty(),
  hostnamePrefix: nonEmpty(),
  taskDurationMs: nonNegative('number of milliseconds').optional(),
  checkpoints: z.enum(['memory', 'disk'], { error: 'must be memory or disk' }),
  reconnectMs: count(),
  startConcurrency: count(),
  agentLogLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], { error: 'must be a pino level' }),
});

export function hollowCommand(ctx: CommandContext): Command {
  const cmd = new Command('hollow')
    .description(
      'HOLLOW AGENTS, for benchmarks and scale tests only: run N real agents in this process whose tasks start no process (they "run" for HOLLOW_DURATION_MS or until killed).',
    )
    .addOption(masterFlag())
    .addOption(flag('--count <n>', 'how many hollow agents', 1))
    .addOption(flag('--resources <spec>', "each agent's resources, Mesos syntax", DEFAULT_HOLLOW_RESOURCES))
    .addOption(flag('--work-dir <dir>', "parent of the agents' work dirs (agent-<i>)", DEFAULT_HOLLOW_WORK_DIR))
    .addOption(flag('--hostname-prefix <prefix>', 'agents register as <prefix>-<i>', 'hollow'))
    .addOption(flag('--task-duration-ms <ms>', 'how long a task runs when it sets no HOLLOW_DURATION_MS (default: until killed)'))
    .addOption(flag('--checkpoints <where>', 'memory (no disk I/O per task) or disk (as a real agent)', 'memory'))
    .addOption(flag('--reconnect-ms <ms>', 'first redial delay after losing the master (doubles up to 10x)', 200))
    .addOption(flag('--start-concurrency <n>', 'agents started at once', 200))
    .addOption(flag('--agent-log-level <level>', 'log level of the agents themselves (thousands of them)', 'warn'))
    .action(async () => {
      const o = parseOptions(cmd, hollowSchema);
      const { startHollowAgents } = await import('../cluster/start-hollow.js');
      const log = cliLogger('hollow');
      const signal = ctx.shutdownSignal();
      // A load generator: when the master goes away, thousands of agents' streams fail at
      // once, and capturing a stack trace per error was a large part of this process' CPU.
      Error.stackTraceLimit = 0;
      try {
        const started = performance.now();
        const agentLogger = componentLogger('agent');
        agentLogger.level = o.agentLogLevel;
        const fleet = await startHollowAgents({
          master: o.master,
          count: o.count,
          resources: o.resources,
          workDir: o.workDir,
          hostnamePrefix: o.hostnamePrefix,
          taskDurationMs: o.taskDurationMs,
          checkpoints: o.checkpoints,
          reconnectMs: o.reconnectMs,
          startConcurrency: o.startConcurrency,
          agentLogger,
        });
        const seconds = (performance.now() - started) / 1000;
        log.info({ count: o.count, registered: fleet.registered(), seconds }, 'hollow agents started');
        ctx.io.stdout(`tandem hollow: ${fleet.registered()} of ${o.count} hollow agents registered with ${o.master} in ${seconds.toFixed(2)} s\n`);
        await stopOnSignal(ctx, signal, log, 'hollow agents', () => fleet.stop());
      } finally {
        signal.dispose();
      }
    });
  return cmd;
}
