import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, track, waitFor } from '../support/cluster.js';
import { checkLaunches } from './support/checker.js';
import { startFaultRun } from './support/fault-run.js';
import { LeaseWriters } from './support/lease-writers.js';

// Fault: the leading master is cut from NATS (each master reaches each NATS node through
// TcpProxies of its own; the leader's are blackholed) while agents and the framework still
// reach it. It cannot renew its lease: it must stop acting within the lease, a standby
// leads, and agents and the framework follow it. Then the cut heals.

afterEach(cleanup);

const LEASE_S = 2;
const TASKS = 60;

describe('fault suite: the leading master loses NATS', () => {
  it('fault - the leader cut from NATS (not from agents) stops acting within its lease; a standby leads, agents and the framework follow; healed, it stands by; every task RUNNING exactly once', async () => {
    const { cluster, driver, frameworkId, workload } = await startFaultRun({
      name: 'fault-nats-cut',
      tasks: TASKS,
      cluster: { leaseTtlS: LEASE_S, natsProxies: true },
    });
    const writers = await LeaseWriters.start(cluster.nats.urls);
    track(() => writers.stop());
    await workload.untilWhole(60_000);

    // A second burst, and the cut in the middle of it.
    workload.extend(TASKS);
    await waitFor(() => workload.attempts.size > TASKS, 'the second burst to start', 30_000, 10);
    const old = await cluster.leader();
    const cutAt = Date.now();
    for (const link of cluster.natsLinksOf(old.master)) link.blackhole();
    // It cannot renew: it stops claiming to lead within its lease (HTTP still reaches it).
    await waitFor(async () => (await cluster.view(old.master))?.leading !== true, 'the cut leader to stop acting', 20_000, 50);
    const stoppedS = (Date.now() - cutAt) / 1000;
    const next = await cluster.leader(20_000, old.id);
    const electedS = (Date.now() - cutAt) / 1000;
    await waitFor(async () => (await cluster.whole())?.masterId === next.id, 'both agents active on the new leader', 30_000, 100).catch(async (err: Error) => {
      // Seen once in a full run (agents back in about 3 s otherwise): say where each one was.
      const st = await cluster.state().catch(() => undefined);
      err.message += `\n--- the leader's agents: ${JSON.stringify(st?.agents.map((a) => ({ id: a.id, status: a.status })))}`;
      for (const p of [...cluster.agents, old.master]) err.message += `\n--- ${p.name}:\n${p.output().slice(-3_000)}`;
      throw err;
    });
    const agentsBackS = (Date.now() - cutAt) / 1000;
    await waitFor(() => driver.master === next.master.grpc && driver.state === 'subscribed', 'the framework re-subscribed to the new leader', 30_000, 20);
    const resubscribedS = (Date.now() - cutAt) / 1000;
    await workload.untilWhole(60_000);
    const wholeS = (Date.now() - cutAt) / 1000;

    // Healed: the old one stands by again (a new incarnation: its lease is lost for good),
    // naming the new leader. A master that steps down opens its store anew; when that
    // cannot reach NATS (the cut still on), `tandem master` exits, for its supervisor to
    // start it again (docker-compose's restart policy): done here as the supervisor would.
    for (const link of cluster.natsLinksOf(old.master)) link.heal();
    const standsBy = async () => {
      const v = await cluster.view(old.master);
      return v && !v.leading && v.leader?.id === next.id ? v : undefined;
    };
    let outcome = await waitFor(
      async () => (old.master.running ? await standsBy() : 'exited'),
      `${old.master.name} to stand by or exit after the heal`,
      30_000,
      100,
    );
    const restarted = outcome === 'exited';
    if (outcome === 'exited') {
      expect(old.master.currentOutput()).toMatch(/cannot (connect|open)/);
      await old.master.restart();
      outcome = await waitFor(standsBy, `${old.master.name}, restarted, to stand by naming the new leader`, 30_000, 100);
    }
    const back = outcome as Exclude<typeof outcome, string>;
    expect(back.self).not.toBe(old.id);
    // A write decided within the lease but whose bytes left the process after the take (it was
    // frozen, or cut off, with them in the NATS client's buffer) may reach the server; its
    // fencing header must make the server refuse it. Deciding a write after the lease has
    // passed is refused in the process itself (test/leader-lease.test.ts).
    expect(await writers.acceptedAfterTake(next.id)).toEqual([]);
    const views = await Promise.all(cluster.masters.map((m) => cluster.view(m)));
    expect(views.filter((v) => v?.leading).map((v) => v?.self)).toEqual([next.id]);

    const state = await waitFor(() => cluster.state(), 'the state of the leader');
    expect(driver.frameworkId).toBe(frameworkId);
    const verdict = checkLaunches(workload, state, frameworkId, {
      scenario: 'leading-master-cut-from-nats',
      faults: 1,
      recoveryS: Math.max(agentsBackS, resubscribedS),
      wholeS,
    });
    process.stdout.write(
      `nats-cut: stopped acting ${stoppedS.toFixed(1)} s, elected ${electedS.toFixed(1)} s, agents back ${agentsBackS.toFixed(1)} s, framework back ${resubscribedS.toFixed(1)} s after the cut; healed, the old leader ${restarted ? 'had exited and was restarted' : 'stood by'}\n`,
    );
    // The lease's window closes at most a ttl after the cut (the margin of observing it over HTTP aside).
    expect(stoppedS).toBeLessThan(LEASE_S + 2);
    expect(verdict.problems).toEqual([]);
    expect(verdict).toMatchObject({ lost: 0, duplicated: 0, undelivered: 0 });
  }, 150_000);
});
