import type { Logger } from '@tandem/protocol';
import type { CommandContext } from './command-context.js';

/**
 * The tail of every long-running command (master, agent, hollow, apps, jobs): wait for
 * SIGINT or SIGTERM, log it, stop in order, exit 0. A second signal exits at once (130).
 */
export async function stopOnSignal(
  ctx: CommandContext,
  signal: { received: Promise<NodeJS.Signals> },
  log: Logger,
  what: string,
  stop: () => Promise<void>,
): Promise<void> {
  const received = await signal.received;
  log.info({ signal: received }, `stopping ${what}`);
  await stop();
  ctx.setExitCode(0);
}
