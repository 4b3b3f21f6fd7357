import type { Offer } from '@tandem/protocol';
import { describe, expect, it } from 'vitest';
import { resolveAppsOptions } from '../options.js';
import { inMaintenance, maintenanceDetail } from './maintenance-window.js';

const offer = (unavailability: Offer['unavailability']): Offer => ({
  id: 'o1',
  frameworkId: 'f',
  agentId: 'a1',
  hostname: 'h1',
  attributes: [],
  resources: [],
  unavailability,
});

describe('maintenance window', () => {
  const now = 1_000_000_000; // ms
  const at = (secondsFromNow: number) => now / 1000 + secondsFromNow;

  it('maintenance-window - an offer is unusable once its window is within the lead time or open, and usable again once it ended', () => {
    expect(inMaintenance(offer(null), now, 600)).toBe(false);
    // Ahead: beyond the lead, usable; within it, not.
    expect(inMaintenance(offer({ start: at(601), durationSeconds: 60 }), now, 600)).toBe(false);
    expect(inMaintenance(offer({ start: at(600), durationSeconds: 60 }), now, 600)).toBe(true);
    expect(inMaintenance(offer({ start: at(1), durationSeconds: 60 }), now, 0)).toBe(false);
    // Open, with any lead; ended, usable.
    expect(inMaintenance(offer({ start: at(-10), durationSeconds: 60 }), now, 0)).toBe(true);
    expect(inMaintenance(offer({ start: at(-60), durationSeconds: 60 }), now, 600)).toBe(false);
    expect(maintenanceDetail(offer({ start: at(600), durationSeconds: 60 }))).toBe(
      `maintenance: the agent goes down at ${new Date(now + 600_000).toISOString()} for 60 s`,
    );
  });

  it('maintenance-window - the lead option defaults to 600 s and a bad one is refused naming it', () => {
    const o = { master: 'm:1', store: undefined as never };
    expect(resolveAppsOptions(o).maintenanceLeadSeconds).toBe(600);
    expect(resolveAppsOptions({ ...o, maintenanceLeadSeconds: 0 }).maintenanceLeadSeconds).toBe(0);
    expect(() => resolveAppsOptions({ ...o, maintenanceLeadSeconds: -1 })).toThrow(/^maintenanceLeadSeconds: must be a number of seconds >= 0, got -1$/);
    expect(() => resolveAppsOptions({ ...o, maintenanceLeadSeconds: Number.NaN })).toThrow(/maintenanceLeadSeconds/);
  });
});
