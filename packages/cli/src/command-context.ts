import type { CliIo } from './cli-io.js';
import type { shutdownSignal } from './shutdown-signal.js';

/** What every command gets from `main`. */
export interface CommandContext {
  io: CliIo;
  /** The process exit code `main` resolves with. */
  setExitCode(code: number): void;
  /** Waits for SIGINT/SIGTERM (tests replace it). */
  shutdownSignal: typeof shutdownSignal;
}
