import { type Offer, Resources, type TaskInfoInit } from '@tandem/protocol';
import { specResources, type TaskSpec, taskInfo } from './task-info.js';

export interface OfferMatch {
  offer: Offer;
  tasks: TaskInfoInit[];
}

export interface MatchResult {
  /** Offers that got at least one task, with the TaskInfos to launch on them. */
  matches: OfferMatch[];
  /** Wanted tasks that fit no offer. */
  leftovers: TaskSpec[];
  /** Offers that got no task (decline them). */
  unused: Offer[];
}

/**
 * Packs wanted tasks into offers, first fit in the given order: each task goes to the
 * first offer whose remaining cpus, mem, disk and port count cover it. Ports are picked
 * from what the tasks before it left over.
 */
export function matchTasks(offers: readonly Offer[], wanted: readonly TaskSpec[]): MatchResult {
  const slots = offers.map((offer) => ({
    offer,
    free: Resources.fromWire(offer.resources, `offer ${offer.id}.resources`),
    tasks: [] as TaskInfoInit[],
  }));
  const leftovers: TaskSpec[] = [];
  for (const spec of wanted) {
    const { resources, ports } = specResources(spec);
    const slot = slots.find((s) => s.free.contains(resources) && (ports === 0 || s.free.takeFromRanges('ports', ports)));
    if (!slot) {
      leftovers.push(spec);
      continue;
    }
    const info = taskInfo(spec, { agentId: slot.offer.agentId, resources: slot.free });
    slot.free = slot.free.subtract(Resources.fromWire(info.resources));
    slot.tasks.push(info);
  }
  return {
    matches: slots.filter((s) => s.tasks.length > 0).map((s) => ({ offer: s.offer, tasks: s.tasks })),
    leftovers,
    unused: slots.filter((s) => s.tasks.length === 0).map((s) => s.offer),
  };
}
