import { type DestinationStream, type Logger, type LoggerOptions, pino } from 'pino';

export type { Logger } from 'pino';

/** Where the root logger writes and from which level, as `configureRootLogger` sets it. */
export interface RootLoggerSettings {
  /** @default TANDEM_LOG_LEVEL, else "info" ("silent" in tests) */
  level?: string;
  /** @default JSON lines on stderr */
  destination?: DestinationStream;
}

let settings: RootLoggerSettings = {};

/**
 * The root logger: JSON lines on stderr (stdout stays free for command output), level
 * from TANDEM_LOG_LEVEL (default "info"; "silent" in tests unless set).
 */
export function createLogger(options: LoggerOptions = {}): Logger {
  const level = settings.level ?? process.env.TANDEM_LOG_LEVEL ?? (process.env.VITEST ? 'silent' : 'info');
  return pino({ level, base: { pid: process.pid }, ...options }, settings.destination ?? pino.destination(2));
}

let root: Logger | undefined;

/**
 * Sets the root logger's level and destination (the CLI: human-readable on a terminal,
 * quiet for interactive commands). Takes effect for loggers made afterwards; call it
 * before the first `componentLogger`.
 */
export function configureRootLogger(next: RootLoggerSettings): void {
  settings = next;
  root = undefined;
}

/** A child of the shared root logger with a `component` field. */
export function componentLogger(component: string, parent?: Logger): Logger {
  root ??= createLogger();
  return (parent ?? root).child({ component });
}
