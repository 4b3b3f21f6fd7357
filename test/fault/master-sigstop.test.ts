import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, track, waitFor } from '../support/cluster.js';
import { checkLaunches } from './support/checker.js';
import { startFaultRun } from './support/fault-run.js';
import { LeaseWriters } from './support/lease-writers.js';

// Fault: the leading master is frozen (SIGSTOP) past its lease during a burst of launches,
// then resumed (SIGCONT). A standby must lead; the resumed one must know at once that its
// lease may have passed: no write accepted by the store after the take (LeaseWriters watches
// every write sent to the bucket; one buffered before the freeze may arrive, and is refused
// by its fencing header), no launch (the checker finds no task launched twice), and it
// stands by again naming the new leader.

afterEach(cleanup);

const LEASE_S = 2;
const TASKS = 100;

describe('fault suite: the leading master is frozen past its lease', () => {
  it('fault - SIGSTOP the leader past its lease mid-burst, then SIGCONT: a standby leads, the resumed one sends no write and no launch and stands by naming the new leader; every task RUNNING exactly once', async () => {
    const { cluster, driver, frameworkId, workload } = await startFaultRun({ name: 'fault-sigstop', tasks: TASKS, cluster: { leaseTtlS: LEASE_S } });
    const writers = await LeaseWriters.start(cluster.nats.urls);
    track(() => writers.stop());

    await waitFor(() => workload.attempts.size >= 20, 'the burst to start', 30_000, 10);
    const old = await cluster.leader();
    const frozenAt = Date.now();
    old.master.signal('SIGSTOP');
    const next = await cluster.leader(20_000, old.id);
    const electedS = (Date.now() - frozenAt) / 1000;
    // The agents notice the silence (missed pings) and re-register with the new leader.
    await waitFor(async () => (await cluster.whole())?.masterId === next.id, 'both agents active on the new leader', 30_000, 100);
    const agentsBackS = (Date.now() - frozenAt) / 1000;
    const takenAt = writers.takenAt(next.id);
    expect(takenAt).toBeDefined();

    // Resumed well past its lease: it steps down at once and a new incarnation stands by.
    old.master.signal('SIGCONT');
    // Generous: under a loaded full run the new incarnation may need a few tries to open the store.
    const back = await waitFor(
      async () => {
        const v = await cluster.view(old.master);
        return v && v.self !== old.id && !v.leading && v.leader?.id === next.id ? v : undefined;
      },
      'the resumed master to stand by again, naming the new leader',
      45_000,
      50,
    ).catch((err: Error) => {
      err.message += `\n--- ${old.master.name} (resumed at ${new Date().toISOString()} minus 45 s):\n${old.master.output().slice(-4_000)}`;
      throw err;
    });
    expect(back.leader?.grpc).toBe(next.master.grpc);
    expect(old.master.output()).toMatch(/steps down/);
    // The framework's stream on the frozen master ends when it steps down; it re-subscribes, with its id, on the new leader.
    await waitFor(() => driver.master === next.master.grpc && driver.state === 'subscribed', 'the framework re-subscribed to the new leader', 30_000, 20);
    const resubscribedS = (Date.now() - frozenAt) / 1000;
    await workload.untilWhole(60_000);
    const wholeS = (Date.now() - frozenAt) / 1000;

    // The old incarnation has stopped (a new one answers), so every write it could send has been seen.
    // A write decided within the lease but whose bytes left the process after the take (it was
    // frozen, or cut off, with them in the NATS client's buffer) may reach the server; its
    // fencing header must make the server refuse it. Deciding a write after the lease has
    // passed is refused in the process itself (test/leader-lease.test.ts).
    expect(await writers.acceptedAfterTake(next.id)).toEqual([]);
    expect(writers.leasesOf(old.id, takenAt as number)).toEqual([]);
    const views = await Promise.all(cluster.masters.map((m) => cluster.view(m)));
    expect(views.filter((v) => v?.leading).map((v) => v?.self)).toEqual([next.id]);

    const state = await waitFor(() => cluster.state(), 'the state of the leader');
    expect(driver.frameworkId).toBe(frameworkId);
    expect(state.frameworks.find((f) => f.id === frameworkId)).toMatchObject({ connected: true, failoverTimeoutSeconds: 600 });
    const verdict = checkLaunches(workload, state, frameworkId, {
      scenario: 'sigstop-leading-master',
      faults: 2, // the freeze and the resumption
      recoveryS: Math.max(agentsBackS, resubscribedS),
      wholeS,
    });
    process.stdout.write(
      `sigstop: elected ${electedS.toFixed(1)} s, agents back ${agentsBackS.toFixed(1)} s, framework back ${resubscribedS.toFixed(1)} s after the freeze\n`,
    );
    expect(verdict.problems).toEqual([]);
    expect(verdict).toMatchObject({ lost: 0, duplicated: 0, undelivered: 0 });
  }, 180_000);
});
