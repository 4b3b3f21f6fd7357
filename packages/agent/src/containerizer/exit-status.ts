import { constants } from 'node:os';
import type { ContainerExit } from './types.js';

const SIGNAL_NAMES = new Map<number, string>(Object.entries(constants.signals).map(([name, n]) => [n, name]));

/** The exit code a shell reports for a process killed by `signal`: 128 + its number. */
export function signalExitCode(signal: NodeJS.Signals | null): number | null {
  if (signal === null) return null;
  const n = constants.signals[signal];
  return n === undefined ? null : 128 + n;
}

/** The signal behind an exit code above 128, e.g. "SIGKILL" for 137. */
export function signalOfExitCode(code: number): string | undefined {
  return code > 128 ? SIGNAL_NAMES.get(code - 128) : undefined;
}

/**
 * The ContainerExit for an exit code. `memoryMiB` is the limit, for the message when
 * the memory limit killed it.
 */
export function describeExit(exitCode: number | null, oomKilled: boolean, memoryMiB?: number): ContainerExit {
  if (oomKilled) {
    const limit = memoryMiB !== undefined && memoryMiB > 0 ? ` of ${memoryMiB} MiB` : '';
    return { exitCode, oomKilled, message: `Memory limit${limit} exceeded: the task was killed by the OOM killer` };
  }
  if (exitCode === null) return { exitCode, oomKilled, message: 'exit status unknown' };
  const signal = signalOfExitCode(exitCode);
  const message = signal ? `Command terminated by signal ${signal} (exit status ${exitCode})` : `Command exited with status ${exitCode}`;
  return { exitCode, oomKilled, message };
}
