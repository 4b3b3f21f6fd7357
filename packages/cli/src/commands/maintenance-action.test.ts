import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ValidationError } from '@tandem/protocol';
import { describe, expect, it } from 'vitest';
import { readScheduleFile } from './maintenance-action.js';

describe('maintenance schedule file', () => {
  it('reads ISO or epoch starts and durations with units; a bad window names its field', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tandem-maint-'));
    const file = join(dir, 'schedule.json');
    writeFileSync(
      file,
      JSON.stringify({
        windows: [
          { agentIds: ['a1', 'a2'], start: '2030-01-01T02:00:00Z', duration: '2h' },
          { agentIds: ['a3'], start: 1_900_000_000, durationSeconds: 90 },
        ],
      }),
    );
    expect(readScheduleFile(file)).toEqual([
      { agentIds: ['a1', 'a2'], start: Date.parse('2030-01-01T02:00:00Z') / 1000, durationSeconds: 7200 },
      { agentIds: ['a3'], start: 1_900_000_000, durationSeconds: 90 },
    ]);
    const bad = (windows: unknown): ValidationError => {
      writeFileSync(file, JSON.stringify({ windows }));
      try {
        readScheduleFile(file);
      } catch (err) {
        if (err instanceof ValidationError) return err;
        throw err;
      }
      throw new Error('no error');
    };
    expect(bad([{ agentIds: ['a'], start: 'tomorrow', duration: '1h' }]).message).toMatch(/windows\.0\.start.*ISO time/);
    expect(bad([{ agentIds: ['a'], start: 1 }]).message).toMatch(/windows\.0\.duration.*is required/);
    expect(bad([{ agentIds: [], start: 1, duration: '1h' }]).message).toMatch(/windows\.0\.agentIds.*at least one/);
  });
});
