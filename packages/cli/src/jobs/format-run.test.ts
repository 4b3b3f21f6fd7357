import { describe, expect, it } from 'vitest';
import { formatProgress, progressBar } from './format-run.js';

describe('jobs format', () => {
  it('jobs format - progress bar and counts', () => {
    expect(progressBar(5, 20, 8)).toBe('[##......]');
    const line = formatProgress({ id: 'r', status: 'ACTIVE', completions: 20, parallelism: 4, succeeded: 10, running: 4, staging: 0, failed: 1, attempts: 15 });
    expect(line).toMatch(/ACTIVE +\[#{10}\.{10}\] 10\/20 succeeded, 4 running, 0 starting, 1 failed/);
    expect(
      formatProgress({ id: 'r', status: 'SUCCESS', completions: 1, parallelism: 1, succeeded: 1, running: 0, staging: 0, failed: 0, attempts: 1 }),
    ).not.toMatch(/\[/);
  });
});
