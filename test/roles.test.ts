import { join } from 'node:path';
import { type Offer, Resources, type SchedulerDriver, taskInfo } from '@tandem/framework-sdk';
import type { Master } from '@tandem/master';
import {
  type OperatorClient,
  operatorClient,
  type QuotaConfigInit,
  type QuotaResponse,
  TandemError,
  type WeightInfoInit,
  type WeightsResponse,
} from '@tandem/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, runCli, spawnTandem, startAgent, startDriver, startMaster, tempDir, track, waitFor } from './support/cluster.js';

// Role weights and quotas set by an operator on a real master, with real agents (process
// containerizer: these tests are about allocation, not containers) and real SDK frameworks.
// Every agent is cpus:1;mem:256 and every task takes a whole agent, so an offer is one
// agent and what a framework holds is counted in agents (= cpus).

afterEach(cleanup);

const AGENT = 'cpus:1;mem:256;disk:100';

function operator(master: Master): OperatorClient {
  const client = operatorClient(master.address);
  track(() => client.close());
  return client;
}

function unary<Res>(fn: (req: object, cb: (err: Error | null, res?: Res) => void) => unknown, req: object): Promise<Res> {
  return new Promise((resolve, reject) => {
    fn(req, (err, res) => (err ? reject(TandemError.from(err)) : resolve(res as Res)));
  });
}

const rpc = (client: OperatorClient) => ({
  getWeights: () => unary<WeightsResponse>(client.GetWeights.bind(client), {}),
  updateWeights: (weights: WeightInfoInit[]) => unary<WeightsResponse>(client.UpdateWeights.bind(client), { weights }),
  getQuota: () => unary<QuotaResponse>(client.GetQuota.bind(client), {}),
  updateQuota: (quotas: QuotaConfigInit[], force = false) => unary<QuotaResponse>(client.UpdateQuota.bind(client), { quotas, force }),
});

type TestAgent = Awaited<ReturnType<typeof startAgent>>;

async function agents(master: Master, n: number): Promise<TestAgent[]> {
  const out: TestAgent[] = [];
  for (let i = 0; i < n; i++) out.push(await startAgent(master, { containerizers: ['process'], hostname: `h${i}`, resources: AGENT }));
  return out;
}

/**
 * Cleanup runs in reverse: agents started before the frameworks would stop after them and
 * wait out their drain for acknowledgements nobody sends. Stop them first.
 */
function stopBeforeFrameworks(list: TestAgent[]): void {
  track(() => Promise.all(list.map((a) => a.stop({ killTasks: true }))).then(() => undefined));
}

/** A framework in one role that launches a whole-agent task on every offer; counts the cpus it was offered. */
async function greedy(master: Master, name: string, role: string): Promise<{ driver: SchedulerDriver; offeredCpus: () => number; launched: () => number }> {
  const driver = await startDriver(master, { name, framework: { name, roles: [role], failoverTimeoutSeconds: 30 } });
  let offered = 0;
  let launched = 0;
  driver.onOffers(async (offers: Offer[]) => {
    for (const offer of offers) {
      offered += Resources.fromWire(offer.resources).cpus;
      await driver.launch(offer, [taskInfo({ id: `${name}-${launched++}`, cpus: 1, mem: 256, argv: ['sleep', '60'] }, offer)], { refuseSeconds: 3600 });
    }
  });
  return { driver, offeredCpus: () => offered, launched: () => launched };
}

/** Cpus held (tasks) per framework name, from the master's state. */
function heldCpus(master: Master): Record<string, number> {
  const out: Record<string, number> = {};
  for (const f of master.state().frameworks ?? []) out[f.info?.name ?? ''] = Resources.fromWire(f.allocated ?? []).cpus;
  return out;
}

describe('roles', () => {
  it('roles - two frameworks in roles weighted 3:1 hold the cluster 3:1', async () => {
    const master = await startMaster();
    const ops = rpc(operator(master));
    expect(
      (
        await ops.updateWeights([
          { role: 'heavy', weight: 3 },
          { role: 'light', weight: 1 },
        ])
      ).weights,
    ).toEqual([{ role: 'heavy', weight: 3 }]);
    const heavy = await greedy(master, 'heavy', 'heavy');
    const light = await greedy(master, 'light', 'light');
    // Both wait before any resources appear, so neither is first by luck; each agent goes to
    // the role furthest below its weighted share (share / weight).
    await agents(master, 8);
    await waitFor(() => heavy.launched() + light.launched() >= 8, 'all 8 agents taken', 20_000);
    await waitFor(() => {
      const held = heldCpus(master);
      return (held.heavy ?? 0) + (held.light ?? 0) === 8;
    }, 'the master to count 8 tasks');
    // Unweighted DRF gives 4:4 (offers.test.ts); weights 3:1 give 6:2.
    expect(heldCpus(master)).toEqual({ heavy: 6, light: 2 });
    expect(master.state().roles).toEqual([
      { name: 'heavy', weight: 3, quota: null, frameworkIds: [heavy.driver.frameworkId] },
      { name: 'light', weight: 1, quota: null, frameworkIds: [light.driver.frameworkId] },
    ]);
  });

  it('roles - a quota guarantee is served first and held as headroom; a limit caps what a role is offered, offers included', async () => {
    const master = await startMaster();
    const ops = rpc(operator(master));
    const four = await agents(master, 4);
    await ops.updateQuota([
      { role: 'guaranteed', guarantee: { cpus: 3 } },
      { role: 'capped', limit: { cpus: 1 } },
    ]);
    // `first` (no quota) comes first and alone, yet may take only what leaves the unmet
    // guarantee (3 cpus) coverable: 1 agent of 4.
    const first = await greedy(master, 'first', 'first');
    await waitFor(() => first.launched() >= 1, 'first to get an agent');
    const guaranteed = await greedy(master, 'guaranteed', 'guaranteed');
    await waitFor(() => guaranteed.launched() >= 3, 'the guaranteed role to get its 3 agents');
    expect(heldCpus(master)).toMatchObject({ first: 1, guaranteed: 3 });
    expect(first.offeredCpus()).toBe(1);
    expect(guaranteed.offeredCpus()).toBe(3);

    // No guarantee any more; the capped role (limit 1 cpu) waits alone while the other two
    // frameworks leave and free all 4 agents: it is offered 1, never more, and the 3 others
    // stay free for whoever comes next.
    await ops.updateQuota([{ role: 'guaranteed' }]);
    const capped = await greedy(master, 'capped', 'capped');
    await first.driver.teardown();
    await guaranteed.driver.teardown();
    await waitFor(() => master.tasks.size === 1 && capped.launched() === 1, 'the two frameworks gone and the capped role on one agent');
    const late = await greedy(master, 'late', 'late');
    stopBeforeFrameworks(four);
    await waitFor(() => late.launched() >= 3, 'the 3 agents the capped role may not have offered to the next framework');
    expect(capped.offeredCpus()).toBe(1);
    expect(heldCpus(master)).toEqual({ capped: 1, late: 3 });
  });

  it('roles - weights and quotas survive a master restart on the same work dir and apply before agents return', async () => {
    const workDir = join(tempDir(), 'master');
    const before = await startMaster({ workDir });
    const ops = rpc(operator(before));
    await ops.updateWeights([
      { role: 'a', weight: 3 },
      { role: 'b/c', weight: 0.5 },
    ]);
    await ops.updateQuota(
      [
        { role: 'capped', limit: { cpus: 1, mem: 512 } },
        { role: 'g', guarantee: { cpus: 1 } },
      ],
      true,
    );
    const weights = await ops.getWeights();
    const quotas = await ops.getQuota();
    await before.stop();

    const after = await startMaster({ workDir });
    const again = rpc(operator(after));
    expect(await again.getWeights()).toEqual(weights);
    expect(await again.getQuota()).toEqual(quotas);
    expect(quotas.quotas).toEqual([
      { role: 'capped', guarantee: {}, limit: { cpus: 1, mem: 512 } },
      { role: 'g', guarantee: { cpus: 1 }, limit: {} },
    ]);
    // Applied to the allocator, not just listed: the capped role gets 1 of 2 agents, and the
    // other is held for g's guarantee until g's framework comes.
    const capped = await greedy(after, 'capped', 'capped');
    const two = await agents(after, 2);
    await waitFor(() => capped.launched() >= 1, 'the capped role to get an agent');
    const g = await greedy(after, 'g', 'g');
    stopBeforeFrameworks(two);
    await waitFor(() => g.launched() >= 1, 'g to get the other agent');
    expect(capped.offeredCpus()).toBe(1);
  });

  it('roles - start-up weights and quotas are used until the registry holds some; then the registry wins', async () => {
    const workDir = join(tempDir(), 'master');
    const options = { workDir, weights: { a: 2, b: 4 }, quotas: { q: { limit: { cpus: 8 } } } };
    const first = await startMaster(options);
    const ops = rpc(operator(first));
    expect((await ops.getWeights()).weights).toEqual([
      { role: 'a', weight: 2 },
      { role: 'b', weight: 4 },
    ]);
    expect((await ops.getQuota()).quotas).toEqual([{ role: 'q', guarantee: {}, limit: { cpus: 8 } }]);
    await ops.updateWeights([
      { role: 'a', weight: 5 },
      { role: 'b', weight: 1 },
    ]);
    await ops.updateQuota([{ role: 'q', guarantee: {}, limit: {} }]);
    await first.stop();
    const second = await startMaster(options);
    const again = rpc(operator(second));
    expect((await again.getWeights()).weights).toEqual([{ role: 'a', weight: 5 }]);
    expect((await again.getQuota()).quotas).toEqual([]);
    // A bad start-up value fails start(), naming it.
    await expect(startMaster({ workDir: join(tempDir(), 'master'), weights: { a: 0 } })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      field: 'weights[0].weight',
    });
  });

  it('roles - bad weights and quotas get INVALID_ARGUMENT naming the field and change nothing', async () => {
    const master = await startMaster();
    await startAgent(master, { containerizers: ['process'], resources: 'cpus:4;mem:4096;disk:100' });
    await waitFor(() => master.agents.size === 1, 'the agent');
    const ops = rpc(operator(master));
    await ops.updateWeights([{ role: 'a', weight: 2 }]);
    await ops.updateQuota([{ role: 'p', guarantee: { cpus: 2 }, limit: { cpus: 4 } }]);
    const weights = await ops.getWeights();
    const quotas = await ops.getQuota();
    const refused = async (call: Promise<unknown>, field: string, message: RegExp, code = 'INVALID_ARGUMENT') => {
      await expect(call).rejects.toMatchObject({ code, field, message: expect.stringMatching(message) });
      expect(await ops.getWeights()).toEqual(weights);
      expect(await ops.getQuota()).toEqual(quotas);
    };
    // Every batch starts with a good entry that must not be applied either.
    await refused(
      ops.updateWeights([
        { role: 'a', weight: 9 },
        { role: 'b', weight: 0 },
      ]),
      'weights[1].weight',
      /finite number > 0/,
    );
    await refused(
      ops.updateWeights([
        { role: 'a', weight: 9 },
        { role: 'b', weight: -1 },
      ]),
      'weights[1].weight',
      /got -1/,
    );
    await refused(
      ops.updateWeights([
        { role: 'a', weight: 9 },
        { role: 'b', weight: Number.NaN },
      ]),
      'weights[1].weight',
      /got NaN/,
    );
    await refused(
      ops.updateWeights([
        { role: 'a', weight: 9 },
        { role: 'b c', weight: 1 },
      ]),
      'weights[1].role',
      /not a valid role/,
    );
    await refused(
      ops.updateWeights([
        { role: 'a', weight: 9 },
        { role: 'x/../y', weight: 1 },
      ]),
      'weights[1].role',
      /not a valid role/,
    );
    await refused(ops.updateWeights([]), 'weights', /at least one/);
    await refused(
      ops.updateQuota([
        { role: 'p', limit: { cpus: 3 } },
        { role: 'x', guarantee: { cpu: 1 } },
      ]),
      'quotas[1].guarantee.cpu',
      /unknown resource "cpu"/,
    );
    await refused(
      ops.updateQuota([
        { role: 'p', limit: { cpus: 3 } },
        { role: 'x', guarantee: { cpus: 2 }, limit: { cpus: 1 } },
      ]),
      'quotas[1].guarantee.cpus',
      /exceeds the limit 1/,
    );
    await refused(
      ops.updateQuota([
        { role: 'p', limit: { cpus: 3 } },
        { role: 'x', limit: { ports: 10 } },
      ]),
      'quotas[1].limit.ports',
      /range resource/,
    );
    await refused(
      ops.updateQuota([
        { role: 'p', limit: { cpus: 3 } },
        { role: '*', limit: { cpus: 1 } },
      ]),
      'quotas[1].role',
      /default role/,
    );
    await refused(
      ops.updateQuota([
        { role: 'p', limit: { cpus: 3 } },
        { role: '/x', limit: { cpus: 1 } },
      ]),
      'quotas[1].role',
      /not a valid role/,
    );
    await refused(ops.updateQuota([{ role: 'p/c', guarantee: { cpus: 3 } }]), 'quotas[0]', /role "p" guarantees 2 cpus, less than the 3 its sub-roles/);
    await refused(ops.updateQuota([{ role: 'p', guarantee: { cpus: 2 }, limit: { cpus: 1.5 } }]), 'quotas[0].guarantee.cpus', /exceeds the limit/);
    await refused(ops.updateQuota([{ role: 'z', guarantee: { cpus: 3 } }]), 'quotas[0].guarantee.cpus', /total 5 cpus, more than the 4/, 'FAILED_PRECONDITION');
    // The same with force goes through; and a nested guarantee within its parent's.
    await ops.updateQuota([{ role: 'z', guarantee: { cpus: 3 } }], true);
    await ops.updateQuota([{ role: 'p/c', guarantee: { cpus: 1 } }]);
    expect((await ops.getQuota()).quotas.map((q) => q.role)).toEqual(['p', 'p/c', 'z']);
  });

  it('roles - the CLI sets and prints weights and quotas, and tandem master --weights starts with them', async () => {
    const master = await startMaster();
    const addr = ['--master', master.address];
    const set = await runCli(['weights', 'set', 'eng=3', 'eng/ci=0.5', ...addr]);
    expect(set.code, set.stderr).toBe(0);
    expect(JSON.parse(set.stdout)).toEqual({
      weights: [
        { role: 'eng', weight: 3 },
        { role: 'eng/ci', weight: 0.5 },
      ],
    });
    const bad = await runCli(['weights', 'set', 'eng=1', 'ops=0', ...addr]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/weights\[1\]\.weight: must be a finite number > 0 for role "ops", got 0/);
    const quota = await runCli(['quota', 'set', 'eng', '--limit', 'cpus:8;mem:1024', '--guarantee', 'cpus:2', '--force', ...addr]);
    expect(quota.code, quota.stderr).toBe(0);
    const listed = await runCli(['quota', ...addr]);
    expect(JSON.parse(listed.stdout)).toEqual({ quotas: [{ role: 'eng', guarantee: { cpus: 2 }, limit: { cpus: 8, mem: 1024 } }] });
    expect(JSON.parse((await runCli(['weights', ...addr])).stdout).weights).toHaveLength(2);
    expect((await runCli(['quota', 'remove', 'eng', ...addr])).code).toBe(0);
    expect(JSON.parse((await runCli(['quota', 'get', ...addr])).stdout)).toEqual({ quotas: [] });

    const spawned = spawnTandem([
      'master',
      '--host',
      '127.0.0.1',
      '--port',
      '0',
      '--http-port',
      '-1',
      '--work-dir',
      join(tempDir(), 'm'),
      '--weights',
      'a=2,b/c=0.5',
    ]);
    const at = await waitFor(() => /gRPC (\S+:\d+)/.exec(spawned.output())?.[1], 'tandem master to print its address');
    expect(JSON.parse((await runCli(['weights', '--master', at])).stdout)).toEqual({
      weights: [
        { role: 'a', weight: 2 },
        { role: 'b/c', weight: 0.5 },
      ],
    });
    const badFlag = await runCli(['master', '--port', '0', '--http-port', '-1', '--work-dir', join(tempDir(), 'm'), '--weights', 'a=2,b c=1']);
    expect(badFlag.code).toBe(1);
    expect(badFlag.stderr).toMatch(/--weights \(TANDEM_WEIGHTS\): weights\[1\]\.role: "b c" is not a valid role/);
  });
});
