import type { Offer, TaskInfoInit } from '@tandem/protocol';
import { Resources } from '@tandem/protocol';
import type { AppDefinition } from '../app/app-definition.js';
import { hasHealthChecks } from '../app/health-check-mapping.js';
import type { PlacementSite } from '../placement/constraints.js';
import { inMaintenance, maintenanceDetail } from '../placement/maintenance-window.js';
import { fitInstance, siteOf, usableResources } from '../placement/offer-fit.js';
import { checkInstanceTransition, type Instance, isOccupying } from './instance.js';
import { instanceEventFields } from './instance-events.js';
import { launchable } from './launch-queue.js';
import type { OfferDemand } from './offer-demand.js';
import { OfferStats } from './offer-stats.js';
import type { SchedulerContext } from './scheduler-context.js';
import { buildTask } from './task-builder.js';
import { taskIdOf } from './task-ids.js';

const LAST_OFFERS_KEPT = 5;
/** Launches of one offer round leave in chunks of about this many tasks (see handle). */
const LAUNCH_CHUNK = 1000;

/**
 * Matches the launch queue against offers: places waiting instances (resources, ports,
 * constraints; per-offer decline reasons in offerStats), writes each launch intent
 * before its ACCEPT, and declines what is left.
 */
export class OfferMatching {
  readonly offerStats = new OfferStats(LAST_OFFERS_KEPT);

  constructor(
    private readonly ctx: SchedulerContext,
    private readonly demand: OfferDemand,
  ) {}

  async handle(offers: Offer[]): Promise<void> {
    const now = Date.now();
    const at = new Date(now).toISOString();
    const queue = launchable(this.ctx, now);
    this.ctx.log.debug({ offers: offers.map((o) => ({ id: o.id, agentId: o.agentId, hostname: o.hostname })), waitingApps: queue.size }, 'offers received');
    if (queue.size === 0) {
      this.ctx.metrics.offers.inc({ outcome: 'declined' }, offers.length);
      await this.declineOffers(offers, this.ctx.options.declineSeconds);
      await this.demand.suppressIdle();
      return;
    }
    const slots = offers.map((offer) => ({
      offer,
      // An agent about to go down for maintenance (or down) gets no new instances.
      maintenance: inMaintenance(offer, now, this.ctx.options.maintenanceLeadSeconds),
      used: Resources.EMPTY,
      launches: [] as { app: AppDefinition; instance: Instance; ports: number[] }[],
    }));
    const seenByField = new Map<string, Set<string>>();
    const seen = (field: string): ReadonlySet<string> => {
      let s = seenByField.get(field);
      if (!s) {
        s = new Set(
          offers
            .map((o) => (field === 'hostname' || field === '@hostname' ? o.hostname : siteOf(o).attributes[field.replace(/^@/, '')]))
            .filter((v): v is string => v !== undefined),
        );
        seenByField.set(field, s);
      }
      return s;
    };
    for (const [appId, { app, waiting }] of queue) {
      const placed: PlacementSite[] = this.ctx.repo
        .instancesOf(appId)
        .filter((i) => isOccupying(i) && i.hostname !== undefined)
        .map((i) => ({ hostname: i.hostname!, attributes: i.attributes ?? {} }));
      const pending = [...waiting];
      for (const slot of slots) {
        while (pending.length > 0) {
          const fit = slot.maintenance
            ? ({ ok: false, reasons: ['AgentMaintenance'], details: [maintenanceDetail(slot.offer)] } as const)
            : fitInstance(app, slot.offer, usableResources(app, slot.offer).subtract(slot.used), placed, seen);
          if (!fit.ok) {
            const summary = {
              id: slot.offer.id,
              agentId: slot.offer.agentId,
              hostname: slot.offer.hostname,
              resources: Resources.fromWire(slot.offer.resources).toJSON(),
              attributes: siteOf(slot.offer).attributes,
            };
            this.offerStats.declined(appId, slot.offer, summary, [...fit.reasons], [...fit.details], at);
            break;
          }
          const instance = pending.shift()!;
          slot.used = slot.used.add(fit.resources);
          const site = siteOf(slot.offer);
          placed.push(site);
          slot.launches.push({ app, instance, ports: fit.ports });
          this.offerStats.used(appId, at);
        }
        if (pending.length === 0) break;
      }
    }
    // Launch intent, durable before any ACCEPT. In chunks of about LAUNCH_CHUNK tasks: a
    // chunk's intents share an fsync and its ACCEPTs leave together (one ACCEPT_MANY) while
    // the next chunk is being written, so the master and agents start on the first
    // instances instead of waiting for the whole round.
    let chunk: { offer: Offer; tasks: TaskInfoInit[]; instances: Instance[] }[] = [];
    let chunkTasks = 0;
    let intents: Promise<void>[] = [];
    const sent: Promise<void>[] = [];
    const sendChunk = async (): Promise<void> => {
      await Promise.all(intents);
      intents = [];
      sent.push(...chunk.map((a) => this.sendAccept(a)));
      chunk = [];
      chunkTasks = 0;
    };
    for (const slot of slots) {
      if (slot.launches.length === 0) continue;
      const tasks: TaskInfoInit[] = [];
      const instances: Instance[] = [];
      for (const { app, instance, ports } of slot.launches) {
        const incarnation = instance.incarnation + 1;
        const site = siteOf(slot.offer);
        const next: Instance = {
          ...instance,
          incarnation,
          taskId: taskIdOf(app.id, instance.instanceId, incarnation),
          condition: checkInstanceTransition(instance.condition, 'Provisioned'),
          since: at,
          agentId: slot.offer.agentId,
          hostname: slot.offer.hostname,
          attributes: site.attributes,
          ports,
          appVersion: app.version,
          stagedAt: at,
          healthChecked: hasHealthChecks(app),
        };
        delete next.startedAt;
        delete next.healthy;
        delete next.health;
        delete next.unreachableSince;
        intents.push(this.ctx.repo.putInstance(next));
        tasks.push(buildTask(app, next));
        instances.push(next);
      }
      chunk.push({ offer: slot.offer, tasks, instances });
      chunkTasks += tasks.length;
      if (chunkTasks >= LAUNCH_CHUNK) await sendChunk();
    }
    await sendChunk();
    await Promise.all(sent);
    const unused = slots.filter((s) => s.launches.length === 0).map((s) => s.offer);
    if (unused.length > 0) {
      this.ctx.metrics.offers.inc({ outcome: 'declined' }, unused.length);
      const stillWaiting = [...queue.values()].some(({ waiting }) => waiting.some((w) => this.ctx.repo.instances.get(w.instanceId)?.condition === 'Scheduled'));
      await this.declineOffers(unused, stillWaiting ? this.ctx.options.waitingDeclineSeconds : this.ctx.options.declineSeconds);
    }
  }

  /** One ACCEPT for one agent's offer; an unknown outcome is settled by reconciliation. */
  private async sendAccept(a: { offer: Offer; tasks: TaskInfoInit[]; instances: Instance[] }): Promise<void> {
    try {
      await this.ctx.driver?.launch(a.offer, a.tasks);
      this.ctx.metrics.launched.inc(a.tasks.length);
      this.ctx.metrics.offers.inc({ outcome: 'used' });
      for (const i of a.instances) this.ctx.events.emit('instance_changed_event', instanceEventFields(i, 'Provisioned'));
    } catch (err) {
      // The outcome is unknown: reconciliation tells (TASK_UNKNOWN puts them back in the queue).
      this.ctx.log.warn({ err, offerId: a.offer.id }, 'launch failed; reconciling its tasks');
      await this.ctx.driver?.reconcile(a.instances.map((i) => ({ taskId: i.taskId!, agentId: i.agentId! }))).catch(() => undefined);
    }
  }

  /**
   * Declines offers with one DECLINE per agent, all sent at once: a DECLINE naming a stale
   * offer is refused whole, and a refused decline would leave the others held by us (no
   * offers from those agents until they time out, whatever we revive).
   */
  private async declineOffers(offers: readonly Offer[], refuseSeconds: number): Promise<void> {
    const byAgent = new Map<string, string[]>();
    for (const o of offers) byAgent.set(o.agentId, [...(byAgent.get(o.agentId) ?? []), o.id]);
    await Promise.all(
      [...byAgent].map(async ([agentId, ids]) => {
        this.ctx.log.debug({ agentId, offerIds: ids, refuseSeconds }, 'declining offers');
        try {
          await this.ctx.driver?.decline(ids, refuseSeconds);
        } catch (err) {
          this.ctx.log.warn({ err, agentId, offerIds: ids }, 'decline failed; the offers stay held until the master rescinds them');
        }
      }),
    );
  }
}
