import type { InverseOffer } from '@tandem/protocol';
import { isOccupying } from './instance.js';
import type { SchedulerContext } from './scheduler-context.js';

/**
 * Answers the master's inverse offers (agents going down for maintenance): the apps
 * framework agrees to every one. Its instances there are killed when the window opens
 * (the master drains the agent) and replaced like any lost instance, elsewhere: offers
 * of agents in or near a window are not used (see maintenance-window.ts). It does not
 * move them ahead of the window.
 */
export async function acceptInverseOffers(ctx: SchedulerContext, inverseOffers: readonly InverseOffer[]): Promise<void> {
  if (inverseOffers.length === 0) return;
  const agents = new Set(inverseOffers.map((o) => o.agentId));
  const affected = [...ctx.repo.instances.values()].filter((i) => isOccupying(i) && i.agentId !== undefined && agents.has(i.agentId)).length;
  ctx.log.info(
    {
      inverseOffers: inverseOffers.map((o) => ({ id: o.id, agentId: o.agentId, hostname: o.hostname, unavailability: o.unavailability })),
      instancesThere: affected,
    },
    'agents go down for maintenance; accepting their inverse offers',
  );
  try {
    await ctx.driver?.acceptInverseOffers(inverseOffers.map((o) => o.id));
  } catch (err) {
    // Left unanswered: the window comes all the same (the master drains the agent at its start).
    ctx.log.warn({ err, inverseOfferIds: inverseOffers.map((o) => o.id) }, 'accepting inverse offers failed');
  }
}
