import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, startAgent, startMaster, track, waitFor } from './support/cluster.js';
import { leaderNamedBy, sigkillHa, spawnHa } from './support/ha-process.js';
import { api, waitRunDone } from './support/jobs.js';
import { NatsServer } from './support/nats.js';

// Two `tandem jobs serve` processes (real child processes) on one real nats-server, a
// real master and agent: the standby forwards the API to the leader; SIGKILL of the
// leader while a run is active, and the other takes over the framework id and adopts the
// run's task: it finishes once, its task launched once (issue #10, "Apps and jobs in HA").

afterEach(cleanup);

const TTL_S = 2;
const SLACK_MS = 3_000;

const taskIdsOnMaster = (master: Awaited<ReturnType<typeof startMaster>>, prefix: string): string[] => {
  const s = master.state();
  return [...(s.tasks ?? []), ...(s.completedTasks ?? [])].map((t) => t.info?.taskId ?? '').filter((id) => id.startsWith(prefix));
};

describe('jobs in HA', () => {
  it('jobs-ha - a run started through the standby completes; SIGKILL of the leader mid run: the standby takes over the framework id and the run finishes exactly once', async () => {
    const nats = await NatsServer.start();
    track(() => nats.dispose());
    const master = await startMaster();
    await startAgent(master, { containerizers: ['process'] });

    const a = await spawnHa('jobs', master.address, nats.url, TTL_S);
    await waitFor(async () => (await leaderNamedBy(a, '/v1/leader')) === a.hostPort, `the first process to lead\n${a.output()}`, 15_000);
    const b = await spawnHa('jobs', master.address, nats.url, TTL_S);
    await waitFor(async () => (await leaderNamedBy(b, '/v1/leader')) === a.hostPort, `the standby to name the leader\n${b.output()}`, 10_000);
    const viaA = api(a.url);
    const viaB = api(b.url);
    const frameworkId = await waitFor(async () => (await viaA('GET', '/info?embed=tandem')).body.frameworkId as string | null, 'the framework to subscribe');
    expect((await viaA('GET', '/info?embed=tandem')).body).toMatchObject({ elected: true, leader: a.hostPort });
    expect((await viaB('GET', '/info?embed=tandem')).body).toMatchObject({ elected: false, leader: a.hostPort, frameworkId });
    // Without the opt-in a standby's /info is Metronome's, as the leader's.
    expect(Object.keys((await viaB('GET', '/info')).body).sort()).toEqual(['libVersion', 'version']);

    // Through the standby: forwarded to the leader.
    expect((await viaB('POST', '/v1/jobs', { id: 'quick', run: { cmd: 'true', cpus: 0.1, mem: 32 } })).status).toBe(201);
    const quick = await viaB('POST', '/v1/jobs/quick/runs');
    expect(quick.status).toBe(201);
    expect((await waitRunDone(viaB, 'quick', quick.body.id)).status).toBe('SUCCESS');

    // A run in progress when the leader dies.
    expect((await viaB('POST', '/v1/jobs', { id: 'slow', run: { cmd: 'sleep 4', cpus: 0.1, mem: 32 } })).status).toBe(201);
    const runId = (await viaB('POST', '/v1/jobs/slow/runs')).body.id as string;
    await waitFor(async () => (await viaB('GET', `/v1/jobs/slow/runs/${runId}?embed=tandem`)).body.running === 1, 'the run to be running');
    const killedAt = Date.now();
    await sigkillHa(a);

    await waitFor(async () => (await leaderNamedBy(b, '/v1/leader')) === b.hostPort, `the standby to take over\n${b.output()}`, TTL_S * 1000 + SLACK_MS);
    expect(Date.now() - killedAt).toBeLessThanOrEqual(TTL_S * 1000 + SLACK_MS);
    const info = await waitFor(async () => {
      const reply = await viaB('GET', '/info?embed=tandem');
      return reply.status === 200 && reply.body.elected && reply.body.frameworkId ? reply.body : undefined;
    }, 'the new leader to subscribe');
    expect(info).toMatchObject({ elected: true, leader: b.hostPort, frameworkId });
    const done = await waitRunDone(viaB, 'slow', runId);
    expect(done.status).toBe('SUCCESS');
    expect(done.tasks).toHaveLength(1);
    expect(done.tasks[0].attempt).toBe(1);
    // The master saw the run's one task, and one framework: nothing was launched twice.
    expect(taskIdsOnMaster(master, 'slow_')).toEqual([done.tasks[0].id]);
    expect(
      master
        .state()
        .frameworks?.filter((f) => f.info?.name === 'tandem-jobs')
        .map((f) => f.info?.id),
    ).toEqual([frameworkId]);
    const history = (await viaB('GET', '/v1/jobs/slow?embed=historySummary')).body.historySummary;
    expect(history).toMatchObject({ successCount: 1, failureCount: 0 });
  });
});
