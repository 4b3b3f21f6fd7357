import { componentLogger } from '@tandem/protocol';
import type { Command } from 'commander';
import { z } from 'zod';
import { cliLogger } from '../cli-logger.js';
import type { CommandContext } from '../command-context.js';
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

export async function runHollow(ctx: CommandContext, cmd: Command): Promise<void> {
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
}
