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

/**
 * Rows as aligned columns (two spaces apart), one line each, trailing blanks trimmed.
 * `paint` may wrap a cell in terminal colours (row 0 is the header); widths count the
 * text only.
 */
export function formatTable(rows: readonly (readonly string[])[], paint?: (cell: string, column: number, row: number) => string): string {
  const widths = (rows[0] ?? []).map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows
    .map((r, row) => {
      const cells = r.map((cell, i) => ({ text: paint && cell ? paint(cell, i, row) : cell, pad: (widths[i] ?? 0) - cell.length }));
      // Trailing blanks are trimmed as if unpainted.
      while (cells.length > 0 && r[cells.length - 1] === '') cells.pop();
      return cells.map((c, i) => (i === cells.length - 1 ? c.text : c.text + ' '.repeat(Math.max(0, c.pad)))).join('  ');
    })
    .join('\n');
}

/** Whether to colour what goes to a terminal: stdout is one and NO_COLOR (no-color.org) is not set. */
export function useColor(io: CliIo): boolean {
  return io.stdoutIsTTY === true && !process.env.NO_COLOR;
}
