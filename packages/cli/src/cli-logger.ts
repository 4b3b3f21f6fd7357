import { componentLogger, type Logger } from '@tandem/protocol';

/** The CLI's pino logger (JSON on stderr); user-facing output goes through CliIo instead. */
export function cliLogger(command: string): Logger {
  return componentLogger(`cli.${command}`);
}
