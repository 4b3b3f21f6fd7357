import { matchTasks, type Offer, Resources, type TaskSpec, taskInfo } from '@tandem/framework-sdk';
import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, recorder, startAgent, startDriver, startMaster, waitFor } from './support/cluster.js';

// Offers, filters and fairness on a real master with real agents running real
// processes (the process containerizer: cheap, and these tests are not about Docker).

afterEach(cleanup);

const sleeper = (id: string, cpus: number, mem: number): TaskSpec => ({ id, cpus, mem, argv: ['sleep', '60'] });

describe('offers', () => {
  it('offers - a framework that accepts part of an offer gets the rest back in a later offer', async () => {
    const master = await startMaster();
    await startAgent(master, { containerizers: ['process'], resources: 'cpus:2;mem:1024;disk:100;ports:[31000-31009]' });
    const driver = await startDriver(master);
    const rec = recorder(driver);
    const first = await waitFor(() => rec.offers[0], 'a first offer');
    const res = await driver.launch(first, [taskInfo({ id: 't1', cpus: 0.5, mem: 256, ports: 2, argv: ['sleep', '60'] }, first)], { refuseSeconds: 0 });
    expect(res.launched).toBe(1);
    const rest = await waitFor(() => rec.offers.find((o) => o.id !== first.id), 'the rest re-offered');
    const r = Resources.fromWire(rest.resources);
    expect(r.cpus).toBeCloseTo(1.5);
    expect(r.mem).toBe(768);
    expect(r.ports).toEqual([{ begin: 31002, end: 31009 }]);
    await waitFor(() => rec.states('t1').includes('TASK_RUNNING'), 't1 running');
  });

  it('offers - a declined offer is not re-offered to that framework for refuse_seconds, but is offered to others', async () => {
    const master = await startMaster();
    await startAgent(master, { containerizers: ['process'] });
    const a = await startDriver(master, { name: 'a' });
    const recA = recorder(a);
    const offer = await waitFor(() => recA.offers[0], 'an offer for a');
    const declinedAt = Date.now();
    await a.decline(offer.id, 4);
    const b = await startDriver(master, { name: 'b' });
    const recB = recorder(b);
    const offerB = await waitFor(() => recB.offers[0], 'the declined resources offered to b', 5_000);
    expect(offerB.agentId).toBe(offer.agentId);
    expect(Date.now() - declinedAt).toBeLessThan(4_000);
    await b.decline(offerB.id, 3600);
    const again = await waitFor(() => recA.offers.find((o) => o.id !== offer.id), 'a re-offered after its filter expired', 15_000);
    expect(again.agentId).toBe(offer.agentId);
    expect(Date.now() - declinedAt).toBeGreaterThanOrEqual(3_900);
  });

  it('offers - two frameworks with equal demand get a fair (DRF) share of the cluster', async () => {
    const master = await startMaster();
    const launched = new Map<string, number>([
      ['a', 0],
      ['b', 0],
    ]);
    const greedy = async (name: string) => {
      const d = await startDriver(master, { name });
      let n = 0;
      d.onOffers(async (offers: Offer[]) => {
        const wanted = Array.from({ length: 8 }, () => sleeper(`${name}-${n++}`, 0.5, 128));
        const { matches, unused } = matchTasks(offers, wanted);
        for (const m of matches) {
          await d.launch(m.offer, m.tasks, { refuseSeconds: 3600 });
          launched.set(name, (launched.get(name) ?? 0) + m.tasks.length);
        }
        if (unused.length > 0)
          await d.decline(
            unused.map((o) => o.id),
            3600,
          );
      });
      return d;
    };
    await greedy('a');
    await greedy('b');
    // Both frameworks are waiting before any resources appear, so neither is first by luck.
    for (let i = 0; i < 4; i++) {
      await startAgent(master, { containerizers: ['process'], hostname: `h${i}`, resources: 'cpus:1;mem:512;disk:100;ports:[31000-31001]' });
    }
    await waitFor(() => (launched.get('a') ?? 0) + (launched.get('b') ?? 0) >= 8, 'the cluster full', 15_000);
    // 8 slots in all; DRF gives each framework half.
    expect(launched.get('a')).toBe(4);
    expect(launched.get('b')).toBe(4);
  });
});
