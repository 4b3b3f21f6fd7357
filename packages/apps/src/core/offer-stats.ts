import type { Offer } from '@tandem/protocol';
import type { DeclineReason } from '../placement/offer-fit.js';

/** One offer an app could not use, and why. */
export interface UnusedOffer {
  offer: { id: string; agentId: string; hostname: string; resources: Record<string, number | string>; attributes: Record<string, string> };
  timestamp: string;
  reason: DeclineReason[];
  /** Tandem: the numbers behind the reasons, e.g. "cpus: needs 2, the offer has 1". */
  details: string[];
}

interface AppStats {
  processed: number;
  unused: number;
  lastUnusedOfferAt?: string;
  lastUsedOfferAt?: string;
  last: UnusedOffer[];
  rejects: Map<DeclineReason, number>;
}

const REASONS: readonly DeclineReason[] = [
  'UnfulfilledRole',
  'UnfulfilledConstraint',
  'InsufficientCpus',
  'InsufficientMemory',
  'InsufficientDisk',
  'InsufficientPorts',
  'AgentMaintenance',
];

/**
 * "Why is my app waiting?": per app, the last offers it could not use and why, and
 * Marathon's processedOffersSummary counters.
 */
export class OfferStats {
  private readonly apps = new Map<string, AppStats>();

  constructor(private readonly keep: number) {}

  private of(appId: string): AppStats {
    let s = this.apps.get(appId);
    if (!s) {
      s = { processed: 0, unused: 0, last: [], rejects: new Map() };
      this.apps.set(appId, s);
    }
    return s;
  }

  used(appId: string, at: string): void {
    const s = this.of(appId);
    s.processed += 1;
    s.lastUsedOfferAt = at;
  }

  declined(appId: string, offer: Offer, summary: UnusedOffer['offer'], reason: DeclineReason[], details: string[], at: string): void {
    const s = this.of(appId);
    s.processed += 1;
    s.unused += 1;
    s.lastUnusedOfferAt = at;
    s.last = [...s.last.filter((u) => u.offer.agentId !== offer.agentId), { offer: summary, timestamp: at, reason, details }].slice(-this.keep);
    for (const r of reason) s.rejects.set(r, (s.rejects.get(r) ?? 0) + 1);
  }

  lastUnusedOffers(appId: string): UnusedOffer[] {
    return this.apps.get(appId)?.last ?? [];
  }

  summary(appId: string): Record<string, unknown> {
    const s = this.apps.get(appId);
    return {
      processedOffersCount: s?.processed ?? 0,
      unusedOffersCount: s?.unused ?? 0,
      ...(s?.lastUnusedOfferAt ? { lastUnusedOfferAt: s.lastUnusedOfferAt } : {}),
      ...(s?.lastUsedOfferAt ? { lastUsedOfferAt: s.lastUsedOfferAt } : {}),
      rejectSummaryLastOffers: REASONS.map((reason) => ({
        reason,
        declined: (s?.last ?? []).filter((u) => u.reason.includes(reason)).length,
        processed: (s?.last ?? []).length,
      })),
      rejectSummaryLaunchAttempt: REASONS.map((reason) => ({ reason, declined: s?.rejects.get(reason) ?? 0, processed: s?.processed ?? 0 })),
    };
  }

  forget(appId: string): void {
    this.apps.delete(appId);
  }
}
