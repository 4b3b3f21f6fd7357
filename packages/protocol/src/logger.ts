import { type Logger, type LoggerOptions, pino } from 'pino';

export type { Logger } from 'pino';

/**
 * The root logger: JSON lines on stderr (stdout stays free for command output), level
 * from TANDEM_LOG_LEVEL (default "info"; "silent" in tests unless set).
 */
export function createLogger(options: LoggerOptions = {}): Logger {
  const level = process.env.TANDEM_LOG_LEVEL ?? (process.env.VITEST ? 'silent' : 'info');
  return pino({ level, base: { pid: process.pid }, ...options }, pino.destination(2));
}

let root: Logger | undefined;

/** A child of the shared root logger with a `component` field. */
export function componentLogger(component: string, parent?: Logger): Logger {
  root ??= createLogger();
  return (parent ?? root).child({ component });
}
