import type { Offer } from '@tandem/protocol';

/**
 * Whether an offer's agent is about to go down, or is down, for maintenance: its window
 * (`Offer.unavailability`) starts within `leadSeconds` of `nowMs` or has started and not
 * ended. New instances are not placed there (Marathon's maintenance_mode with
 * --draining_seconds).
 */
export function inMaintenance(offer: Offer, nowMs: number, leadSeconds: number): boolean {
  const u = offer.unavailability;
  if (!u) return false;
  const now = nowMs / 1000;
  const ended = u.durationSeconds > 0 && now >= u.start + u.durationSeconds;
  return !ended && now >= u.start - leadSeconds;
}

/** The decline detail shown in /v2/queue for such an offer. */
export function maintenanceDetail(offer: Offer): string {
  const u = offer.unavailability;
  if (!u) return 'maintenance';
  return `maintenance: the agent goes down at ${new Date(u.start * 1000).toISOString()} for ${u.durationSeconds} s`;
}
