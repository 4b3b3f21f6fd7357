import { componentLogger, configureRootLogger, type Logger } from '@tandem/protocol';
import pinoPretty from 'pino-pretty';

/** The CLI's pino logger (on stderr); user-facing output goes through CliIo instead. */
export function cliLogger(command: string): Logger {
  return componentLogger(`cli.${command}`);
}

/** Commands that run a server (their logs are their output); every other command is a client. */
const SERVER_COMMANDS: ReadonlySet<string> = new Set(['master', 'agent', 'up', 'hollow', 'apps serve', 'jobs serve']);

export interface CliLogging {
  /** The command's path below `tandem`, e.g. "apps deploy". */
  command: string;
  /** `-v`: a client command logs at info too. */
  verbose: boolean;
  /** Whether stderr is a terminal: logs are then human-readable, else JSON lines. */
  stderrIsTTY: boolean;
  /** TANDEM_LOG_LEVEL, which wins over both. */
  envLevel: string | undefined;
}

/**
 * The level and destination of the process' logs: a server logs at info; a client command
 * (`execute`, `apps deploy`, `jobs run`, `tasks`...) prints only its own output, with log
 * lines from errors only, unless `-v`. On a terminal the lines are pino-pretty's, else JSON.
 */
export function cliLogSettings(o: CliLogging): { level: string; pretty: boolean } {
  const level = o.envLevel ?? (SERVER_COMMANDS.has(o.command) || o.verbose ? 'info' : 'error');
  return { level, pretty: o.stderrIsTTY };
}

/** Applies `cliLogSettings` to the root logger, before any command makes its loggers. */
export function configureCliLogging(o: CliLogging): void {
  if (process.env.VITEST && o.envLevel === undefined) return; // tests keep the silent default
  const { level, pretty } = cliLogSettings(o);
  configureRootLogger({
    level,
    ...(pretty
      ? {
          destination: pinoPretty({
            destination: 2,
            sync: true,
            colorize: true,
            singleLine: true,
            ignore: 'pid,hostname,component',
            messageFormat: '{component}: {msg}',
            translateTime: 'HH:MM:ss.l',
          }),
        }
      : {}),
  });
}
