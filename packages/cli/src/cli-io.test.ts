import { describe, expect, it } from 'vitest';
import { formatTable } from './cli-io.js';

describe('formatTable', () => {
  it('aligns columns two spaces apart and trims the end of each line', () => {
    const text = formatTable([
      ['ID', 'RUNNING', 'NOTE'],
      ['/web', '12', ''],
      ['/a', '1', 'x'],
    ]);
    expect(text.split('\n')).toEqual(['ID    RUNNING  NOTE', '/web  12', '/a    1        x']);
  });

  it('paints cells without moving the columns (widths count the text only)', () => {
    const rows = [
      ['ID', 'STATE', 'NOTE'],
      ['a', 'RUNNING', ''],
      ['bbbb', 'FAILED', 'x'],
    ];
    const painted = formatTable(rows, (cell, column) => (column === 1 ? `<${cell}>` : cell));
    expect(painted.split('\n')).toEqual(['ID    <STATE>    NOTE', 'a     <RUNNING>', 'bbbb  <FAILED>   x']);
  });

  it('prints nothing for no rows', () => {
    expect(formatTable([])).toBe('');
  });
});
