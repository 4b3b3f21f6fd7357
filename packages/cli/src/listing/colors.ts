/** Terminal colours (SGR) for tables: a header in bold, states by how they are doing. */
const sgr = (code: string, text: string): string => `\x1b[${code}m${text}\x1b[0m`;

const GOOD = new Set(['RUNNING', 'ACTIVE', 'FINISHED', 'yes']);
const BUSY = new Set(['STAGING', 'STARTING', 'KILLING', 'DRAINING', 'DRAINED', 'UNKNOWN']);
const BAD = new Set(['FAILED', 'ERROR', 'LOST', 'KILLED', 'DROPPED', 'UNREACHABLE', 'GONE', 'GONE_BY_OPERATOR', 'no']);

/** A state as a table shows it (RUNNING, UNREACHABLE, yes/no), coloured green, yellow or red. */
export function paintState(cell: string): string {
  if (GOOD.has(cell)) return sgr('32', cell);
  if (BUSY.has(cell)) return sgr('33', cell);
  if (BAD.has(cell)) return sgr('31', cell);
  return cell;
}

/** Paints the header bold and the cells of `stateColumns` by their state. */
export function tablePainter(stateColumns: readonly number[]): (cell: string, column: number, row: number) => string {
  return (cell, column, row) => (row === 0 ? sgr('1', cell) : stateColumns.includes(column) ? paintState(cell) : cell);
}
