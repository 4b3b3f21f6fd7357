import { taskInfo } from '@tandem/framework-sdk';
import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, recorder, startAgent, startDriver, startMaster, waitFor } from './support/cluster.js';

// ACCEPT_MANY: the accepts a scheduler makes in one turn of the event loop travel in one
// call; each settles on its own, and only a call-level problem refuses them all.

afterEach(cleanup);

describe('accept many', () => {
  it('accept many - accepts of one turn go together; a stale offer fails alone; an offer named twice refuses the call and changes nothing', async () => {
    const master = await startMaster();
    await startAgent(master, { containerizers: ['process'], hostname: 'a' });
    await startAgent(master, { containerizers: ['process'], hostname: 'b' });
    const driver = await startDriver(master);
    const rec = recorder(driver);
    const [oa, ob] = await waitFor(() => {
      const byAgent = new Map(rec.offers.map((o) => [o.agentId, o]));
      return byAgent.size >= 2 ? [...byAgent.values()] : undefined;
    }, 'an offer from each agent');
    if (!oa || !ob) throw new Error('unreachable');

    // One offer named by two accepts of the same turn: INVALID_ARGUMENT for both, nothing used.
    const twice = [
      driver.accept([oa.id], [taskInfo({ id: 'dup-1', cpus: 0.1, mem: 32, argv: ['sleep', '1000'] }, oa)]),
      driver.accept([oa.id], [taskInfo({ id: 'dup-2', cpus: 0.1, mem: 32, argv: ['sleep', '1000'] }, oa)]),
    ];
    for (const p of twice) {
      await expect(p).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', field: 'accept_many.accepts[1].offer_ids[0]' });
    }

    // Both offers (still valid: the refused call changed nothing) and a stale one, in one turn.
    const results = await Promise.allSettled([
      driver.accept([oa.id], [taskInfo({ id: 'on-a', cpus: 0.1, mem: 32, argv: ['sleep', '1000'] }, oa)], { refuseSeconds: 0 }),
      driver.accept(['no-such-offer'], [taskInfo({ id: 'stale', cpus: 0.1, mem: 32, argv: ['sleep', '1000'] }, oa)]),
      driver.accept([ob.id], [taskInfo({ id: 'on-b', cpus: 0.1, mem: 32, argv: ['sleep', '1000'] }, ob)], { refuseSeconds: 0 }),
    ]);
    expect(results[0]).toMatchObject({ status: 'fulfilled', value: { launched: 1 } });
    expect(results[1]).toMatchObject({
      status: 'rejected',
      reason: { code: 'NOT_FOUND', field: 'accept_many.accepts[1].offer_ids[0]', message: expect.stringMatching(/unknown or no longer valid/) },
    });
    expect(results[2]).toMatchObject({ status: 'fulfilled', value: { launched: 1 } });
    await waitFor(() => rec.states('on-a').includes('TASK_RUNNING') && rec.states('on-b').includes('TASK_RUNNING'), 'both tasks running');
    const tasks = master.state().tasks ?? [];
    const agentOf = (id: string) => tasks.find((t) => t.info?.taskId === id)?.info?.agentId;
    expect(agentOf('on-a')).toBe(oa.agentId);
    expect(agentOf('on-b')).toBe(ob.agentId);
    expect(rec.states('stale')).toEqual([]);
    expect(tasks.some((t) => t.info?.taskId?.startsWith('dup-'))).toBe(false);
  });
});
