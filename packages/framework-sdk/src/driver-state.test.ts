import { describe, expect, it } from 'vitest';
import { canTransitionDriver, checkDriverTransition, DRIVER_TRANSITIONS, type DriverState } from './driver-state.js';

describe('driver state', () => {
  it('driver state - stopped and failed are final', () => {
    expect(DRIVER_TRANSITIONS.stopped).toEqual([]);
    expect(DRIVER_TRANSITIONS.failed).toEqual([]);
  });

  it('driver state - every state but the final ones can stop', () => {
    for (const s of Object.keys(DRIVER_TRANSITIONS) as DriverState[]) {
      if (s === 'stopped' || s === 'failed' || s === 'stopping') continue;
      expect(canTransitionDriver(s, 'stopping')).toBe(true);
    }
  });

  it('driver state - an illegal transition throws', () => {
    expect(() => checkDriverTransition('idle', 'subscribed')).toThrow(/illegal transition idle -> subscribed/);
    expect(checkDriverTransition('connecting', 'subscribed')).toBe('subscribed');
  });
});
