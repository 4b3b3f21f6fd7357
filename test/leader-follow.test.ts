import { createServer } from 'node:net';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { Agent, ProcessContainerizer } from '@tandem/agent';
import { main } from '@tandem/cli';
import { matchTasks, SchedulerDriver, type TaskSpec, type TaskStatus } from '@tandem/framework-sdk';
import type { Master } from '@tandem/master';
import { Code, SERVER_OPTIONS, TandemError, tandemV1 } from '@tandem/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, startMaster, tempDir, track, waitFor } from './support/cluster.js';

// Clients given a list of masters reach the leader (issue #10). The standby is a real
// grpc-js server with the Scheduler, Agent and Operator services that refuses every call
// as a standby master does: UNAVAILABLE, naming the leader in the tandem-leader trailer.
// The leader is a real Master; the agents, the SDK driver and `tandem state` are real.

afterEach(cleanup);

/** A standby master: every call of every service refused with UNAVAILABLE naming `leader`. */
class Standby {
  readonly server = new grpc.Server(SERVER_OPTIONS);
  /** The paths of the calls it refused, in order. */
  readonly refused: string[] = [];
  address = '';

  constructor(private readonly leader: string) {}

  async start(): Promise<void> {
    const v1 = tandemV1();
    for (const service of [v1.Scheduler.service, v1.Agent.service, v1.Operator.service]) {
      const handlers: grpc.UntypedServiceImplementation = {};
      for (const [name, method] of Object.entries(service)) {
        const refusal = (): Partial<grpc.StatusObject> => {
          this.refused.push(method.path);
          return new TandemError(Code.Unavailable, `not the leading master; the leader is at ${this.leader}`, { leader: this.leader }).toGrpcStatus();
        };
        handlers[name] = method.responseStream
          ? (call: grpc.ServerWritableStream<unknown, unknown>) => {
              call.on('error', () => undefined);
              call.emit('error', refusal());
            }
          : (_call: grpc.ServerUnaryCall<unknown, unknown>, callback: grpc.sendUnaryData<unknown>) => callback(refusal());
      }
      this.server.addService(service, handlers);
    }
    const port = await new Promise<number>((resolve, reject) =>
      this.server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
    );
    this.address = `127.0.0.1:${port}`;
    track(() => this.server.forceShutdown());
  }

  count(path: string): number {
    return this.refused.filter((p) => p === path).length;
  }
}

const CONNECT = '/tandem.v1.Agent/Connect';
const SUBSCRIBE = '/tandem.v1.Scheduler/Subscribe';
const GET_STATE = '/tandem.v1.Operator/GetState';

/** A loopback address nothing listens on (a port taken, then let go). */
async function closedAddress(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return `127.0.0.1:${address.port}`;
}

async function leaderAndStandby(): Promise<{ master: Master; standby: Standby }> {
  const master = await startMaster();
  const standby = new Standby(master.address);
  await standby.start();
  return { master, standby };
}

function startAgent(master: string | string[], hostname: string): Agent {
  const agent = new Agent({
    master,
    workDir: join(tempDir(), 'agent'),
    hostname,
    resources: 'cpus:2;mem:1024;disk:1024;ports:[31000-31010]',
    containerizers: [new ProcessContainerizer()],
    reconnectBackoff: { initialMs: 100, maxMs: 500 },
  });
  track(() => agent.stop({ killTasks: true }));
  return agent;
}

const registeredHosts = (master: Master): string[] =>
  (master.state().agents ?? [])
    .map((a) => a.info?.hostname ?? '')
    .sort()
    .filter(Boolean);

async function capture(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const text = (t: string | Uint8Array): string => (typeof t === 'string' ? t : Buffer.from(t).toString());
  const code = await main(['node', 'tandem', ...args], {
    io: { stdout: (t) => (out += text(t)), stderr: (t) => (err += text(t)) },
    shutdownSignal: () => ({ received: new Promise<NodeJS.Signals>(() => {}), dispose: () => {} }),
  });
  return { code, out, err };
}

describe('leader follow', () => {
  it('leader follow - agents given [standby, leader], [standby] alone and [unreachable, standby] all register with the leader', async () => {
    const { master, standby } = await leaderAndStandby();
    const closed = await closedAddress();
    const agents = [
      startAgent([standby.address, master.address], 'via-list'),
      startAgent(standby.address, 'via-trailer'), // the leader only from the trailer
      startAgent(`${closed},${standby.address}`, 'past-unreachable'),
    ];
    await Promise.all(agents.map((a) => a.start()));
    await waitFor(() => registeredHosts(master).length === 3, 'three agents registered with the leader');
    expect(registeredHosts(master)).toEqual(['past-unreachable', 'via-list', 'via-trailer']);
    // via-trailer and past-unreachable can learn the leader only from the standby's refusal;
    // via-list reaches the leader directly when the standby's channel is not up within its
    // first backoff step (a loaded machine), so it may or may not have been refused.
    expect(standby.count(CONNECT)).toBeGreaterThanOrEqual(2);
    for (const a of agents) expect(a.agentId).toBeTruthy();
  });

  it('leader follow - a framework given [unreachable, standby] subscribes to the leader, launches a task and sees it RUNNING', async () => {
    const { master, standby } = await leaderAndStandby();
    await startAgent(standby.address, 'runner').start();
    const closed = await closedAddress();
    const driver = new SchedulerDriver({
      master: [closed, standby.address],
      framework: { name: 'follower', failoverTimeoutSeconds: 30 },
      reconnect: { initialMs: 100, maxMs: 500 },
    });
    track(() => driver.stop());
    let pending: TaskSpec[] = [{ id: 'follow-1', cpus: 0.1, mem: 32, argv: ['sleep', '30'] }];
    const updates: TaskStatus[] = [];
    driver.onOffers(async (offers) => {
      const { matches, leftovers, unused } = matchTasks(offers, pending);
      pending = leftovers;
      for (const m of matches) await driver.launch(m.offer, m.tasks);
      if (unused.length) await driver.decline(unused.map((o) => o.id));
    });
    driver.onUpdate((s) => {
      updates.push(s);
    });
    const subscribed = await driver.start();
    expect(driver.master).toBe(master.address);
    expect(standby.count(SUBSCRIBE)).toBeGreaterThanOrEqual(1); // the leader is known only from the standby
    await waitFor(() => updates.find((u) => u.taskId === 'follow-1' && u.state === 'TASK_RUNNING'), 'follow-1 RUNNING');
    const fw = master.state().frameworks?.find((f) => f.info?.id === subscribed.frameworkId);
    expect(fw?.connected).toBe(true);
    await driver.teardown();
  });

  it('leader follow - tandem state reaches the leader through a standby and past an unreachable master; all unreachable names each', async () => {
    const { master, standby } = await leaderAndStandby();
    await startAgent(master.address, 'seen').start();
    const closed = await closedAddress();
    const r = await capture(['state', '--master', `${closed},${standby.address}`]);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const state = JSON.parse(r.out) as { masterId: string; agents: { info: { hostname: string } }[] };
    expect(state.masterId).toBe(master.state().masterId);
    expect(state.agents.map((a) => a.info.hostname)).toEqual(['seen']);
    expect(standby.count(GET_STATE)).toBe(1);

    const other = await closedAddress();
    const down = await capture(['state', '--master', `${closed},${other}`]);
    expect(down.code).toBe(1);
    expect(down.err).toContain(`no leading master answered (${closed}: `);
    expect(down.err).toContain(`; ${other}: `);
  });
});
