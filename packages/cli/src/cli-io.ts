import type { Command } from 'commander';

/** Where the CLI writes what the user reads. Tests pass their own to capture it. */
export interface CliIo {
  stdout: (text: string | Uint8Array) => void;
  stderr: (text: string | Uint8Array) => void;
  /** Whether stdout is a terminal: lists print tables and `--watch` redraws in place (else JSON). */
  stdoutIsTTY?: boolean;
  /** Whether stderr is a terminal: progress bars and human-readable logs. */
  stderrIsTTY?: boolean;
  /** The terminal's width, when stdout is one. */
  columns?: () => number | undefined;
}

export const processIo: CliIo = {
  stdout: (text) => {
    process.stdout.write(text);
  },
  stderr: (text) => {
    process.stderr.write(text);
  },
  stdoutIsTTY: process.stdout.isTTY === true,
  stderrIsTTY: process.stderr.isTTY === true,
  columns: () => process.stdout.columns,
};

/** Makes a command (and its help and errors) write to `io` and throw instead of exiting. */
export function writeTo<C extends Command>(command: C, io: CliIo): C {
  command.configureOutput({ writeOut: (s) => io.stdout(s), writeErr: (s) => io.stderr(s) }).exitOverride();
  return command;
}

/** Rows as aligned columns (two spaces apart), one line each, trailing blanks trimmed. */
export function formatTable(rows: readonly (readonly string[])[]): string {
  const widths = (rows[0] ?? []).map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows
    .map((r) =>
      r
        .map((cell, i) => cell.padEnd(widths[i] ?? 0))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}
