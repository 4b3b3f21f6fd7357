import type { MasterCore } from './master-core.js';
import type { OfferEntry } from './state-records.js';

/**
 * The offer cycle: an allocation pass becomes one OFFERS event per framework (each offer
 * rescinded after `offerTimeoutMs` when set), and offers leave when used or rescinded.
 */
export class OfferCycle {
  private offerSeq = 0;

  constructor(
    private readonly core: MasterCore,
    /** Records how long the allocator's pass took, in seconds. */
    private readonly observePass: (seconds: number) => void,
  ) {}

  /** One allocation pass, offered at once. */
  allocate(): void {
    const { core } = this;
    if (!core.running()) return;
    const began = performance.now();
    const allocations = core.allocator.allocate();
    this.observePass((performance.now() - began) / 1000);
    if (allocations.length === 0) return;
    const byFramework = new Map<string, OfferEntry[]>();
    for (const a of allocations) {
      const fw = core.frameworks.get(a.frameworkId);
      const agent = core.agents.get(a.agentId);
      if (!fw?.stream || !agent || agent.phase !== 'ACTIVE' || core.drains.has(a.agentId)) {
        core.allocator.recover(a.frameworkId, a.agentId, a.resources);
        continue;
      }
      const offer: OfferEntry = {
        id: `${core.masterId}-O${++this.offerSeq}`,
        frameworkId: a.frameworkId,
        agentId: a.agentId,
        resources: a.resources,
        timer: undefined,
      };
      if (core.options.offerTimeoutMs > 0) {
        offer.timer = setTimeout(() => this.rescind(offer.id, true), core.options.offerTimeoutMs);
        offer.timer.unref();
      }
      core.offers.set(offer.id, offer);
      core.timings.offerSent(offer);
      fw.offerIds.add(offer.id);
      agent.offerIds.add(offer.id);
      const list = byFramework.get(a.frameworkId) ?? [];
      list.push(offer);
      byFramework.set(a.frameworkId, list);
    }
    for (const [fid, offers] of byFramework) {
      core.frameworks.get(fid)?.stream?.send({
        offers: {
          offers: offers.map((o) => {
            const agent = core.agents.get(o.agentId);
            return {
              id: o.id,
              frameworkId: fid,
              agentId: o.agentId,
              hostname: agent?.info.hostname ?? '',
              resources: o.resources.toWire(),
              attributes: agent?.info.attributes ?? [],
              unavailability: core.maintenance.unavailabilityOf(o.agentId) ?? null,
            };
          }),
        },
      });
    }
  }

  /** Removes an offer that was accepted or declined (its resources are handled by the caller). */
  use(offer: OfferEntry): void {
    const { core } = this;
    clearTimeout(offer.timer);
    core.offers.delete(offer.id);
    core.frameworks.get(offer.frameworkId)?.offerIds.delete(offer.id);
    core.agents.get(offer.agentId)?.offerIds.delete(offer.id);
  }

  /** Takes an offer back from its framework; with `recover` its resources return to the pool. */
  rescind(offerId: string, recover: boolean): void {
    const { core } = this;
    const offer = core.offers.get(offerId);
    if (!offer) return;
    this.use(offer);
    if (recover) core.allocator.recover(offer.frameworkId, offer.agentId, offer.resources);
    core.frameworks.get(offer.frameworkId)?.stream?.send({ rescind: { offerIds: [offerId] } });
    if (recover) core.scheduleAllocation();
  }
}
