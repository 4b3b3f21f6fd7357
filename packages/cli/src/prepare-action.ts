import { installGrpcPatches } from '@tandem/protocol';
import type { Command } from 'commander';
import type { CliIo } from './cli-io.js';
import { configureCliLogging } from './cli-logger.js';
import { commandPath } from './command-path.js';
import { resolveNatsMasters } from './master-discovery.js';

/**
 * What runs before a command's action (program.ts' preAction hook), loaded with the
 * protocol only then: the patches of grpc-js (before any channel or server is made),
 * the logs' level and destination, and `--master nats://...` looked up in NATS.
 */
export async function prepareAction(root: Command, action: Command, io: CliIo): Promise<void> {
  installGrpcPatches();
  // Logs: human-readable on a terminal, JSON lines otherwise; TANDEM_LOG_LEVEL wins.
  configureCliLogging({
    command: commandPath(action),
    verbose: root.opts<{ verbose?: boolean }>().verbose === true,
    stderrIsTTY: io.stderrIsTTY === true,
    envLevel: process.env.TANDEM_LOG_LEVEL,
  });
  // `--master nats://...` on any command: the masters are looked up in NATS first.
  await resolveNatsMasters(action);
}
