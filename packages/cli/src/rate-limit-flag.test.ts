import { describe, expect, it } from 'vitest';
import { parseRateLimit } from './rate-limit-flag.js';

const FLAG = '--agent-removal-rate-limit (TANDEM_AGENT_REMOVAL_RATE_LIMIT)';

describe('rate limit flag', () => {
  it('cli - --agent-removal-rate-limit takes N/DURATION with a unit, Mesos spellings too', () => {
    expect(parseRateLimit('1/20s', FLAG)).toEqual({ count: 1, perMs: 20_000 });
    expect(parseRateLimit('5/1m', FLAG)).toEqual({ count: 5, perMs: 60_000 });
    expect(parseRateLimit('1/20mins', FLAG)).toEqual({ count: 1, perMs: 1_200_000 });
    expect(parseRateLimit('2/1.5h', FLAG)).toEqual({ count: 2, perMs: 5_400_000 });
    expect(parseRateLimit('3/500ms', FLAG)).toEqual({ count: 3, perMs: 500 });
    expect(parseRateLimit('1/m', FLAG)).toEqual({ count: 1, perMs: 60_000 });
    expect(parseRateLimit(' 1 / 2 SECS ', FLAG)).toEqual({ count: 1, perMs: 2_000 });
  });

  it('cli - a bad --agent-removal-rate-limit names the flag and says what it takes', () => {
    for (const bad of ['', '1', '20s', '1/20', '1/20y', 'x/20s', '-1/20s', '1.5/20s', '1/-20s']) {
      expect(() => parseRateLimit(bad, FLAG)).toThrow(/--agent-removal-rate-limit \(TANDEM_AGENT_REMOVAL_RATE_LIMIT\): must be N\/DURATION/);
    }
    expect(() => parseRateLimit('0/20s', FLAG)).toThrow(/N is 0/);
    expect(() => parseRateLimit('1/0s', FLAG)).toThrow(/the duration must be more than 0/);
  });
});
