import { CommanderError } from 'commander';
import { type CliIo, processIo } from './cli-io.js';
import type { CommandContext } from './command-context.js';
import { buildProgram } from './program.js';
import { shutdownSignal } from './shutdown-signal.js';

export interface MainOptions {
  io?: CliIo;
  shutdownSignal?: CommandContext['shutdownSignal'];
}

/**
 * Runs `tandem` with `argv` (as process.argv: node, script, args...) and resolves with the
 * exit code. Errors are printed, not thrown: a ValidationError names the flag at fault.
 */
export async function main(argv: readonly string[], options: MainOptions = {}): Promise<number> {
  const io = options.io ?? processIo;
  let exitCode = 0;
  const ctx: CommandContext = {
    io,
    setExitCode: (code) => {
      exitCode = code;
    },
    shutdownSignal: options.shutdownSignal ?? shutdownSignal,
  };
  const program = buildProgram(ctx);
  try {
    await program.parseAsync([...argv]);
    return exitCode;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode; // commander printed it (help, version, usage errors)
    const { TandemError } = await import('@tandem/protocol');
    io.stderr(`tandem: ${TandemError.from(err).message}\n`);
    return 1;
  }
}
