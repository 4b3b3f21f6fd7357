import { describe, expect, it } from 'vitest';
import { canTransitionRun, checkRunTransition, RUN_STATUSES, RUN_TRANSITIONS } from './run-status.js';

describe('run status', () => {
  it('run status - finished states are final', () => {
    for (const to of RUN_STATUSES) {
      if (to !== 'SUCCESS') expect(canTransitionRun('SUCCESS', to)).toBe(false);
      if (to !== 'FAILED') expect(canTransitionRun('FAILED', to)).toBe(false);
    }
    expect(() => checkRunTransition('SUCCESS', 'ACTIVE')).toThrow(/cannot become/);
  });

  it('run status - every state can reach SUCCESS or FAILED', () => {
    for (const s of ['INITIAL', 'STARTING', 'ACTIVE'] as const) {
      expect(RUN_TRANSITIONS[s]).toContain('SUCCESS');
      expect(RUN_TRANSITIONS[s]).toContain('FAILED');
    }
  });
});
