import * as grpc from '@grpc/grpc-js';
import {
  Code,
  type EventInit,
  type Offer,
  Resources,
  type SchedulerCall,
  type SchedulerHandlers,
  SERVER_OPTIONS,
  type SubscribeRequest,
  TandemError,
  type TaskStatus,
  tandemV1,
} from '@tandem/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { SchedulerDriver } from './scheduler-driver.js';

/** A minimal Scheduler service: records subscriptions and calls, lets the test push events. */
class FakeMaster {
  readonly server = new grpc.Server(SERVER_OPTIONS);
  readonly subscriptions: SubscribeRequest[] = [];
  readonly calls: SchedulerCall[] = [];
  readonly streams: grpc.ServerWritableStream<SubscribeRequest, EventInit>[] = [];
  heartbeatIntervalSeconds = 15;
  /** When set, Subscribe answers with this error instead of SUBSCRIBED. */
  refuseWith: grpc.ServiceError | Partial<grpc.StatusObject> | undefined;
  /** When set, Call answers with this error. */
  refuseCallsWith: Partial<grpc.StatusObject> | undefined;
  port = 0;
  private nextStream = 1;

  async start(): Promise<void> {
    const handlers: SchedulerHandlers = {
      Subscribe: (call) => {
        this.subscriptions.push(call.request);
        if (this.refuseWith) {
          call.emit('error', this.refuseWith);
          return;
        }
        this.streams.push(call);
        call.on('cancelled', () => {
          this.streams.splice(this.streams.indexOf(call), 1);
        });
        call.write({
          subscribed: {
            frameworkId: call.request.frameworkInfo?.id || 'fw-1',
            streamId: `stream-${this.nextStream++}`,
            heartbeatIntervalSeconds: this.heartbeatIntervalSeconds,
            masterId: 'm1',
          },
        });
      },
      Call: (call, callback) => {
        this.calls.push(call.request);
        if (this.refuseCallsWith) {
          callback(this.refuseCallsWith);
          return;
        }
        if (call.request.teardown) {
          // As the real master does: an ERROR on the stream, then it ends.
          for (const s of this.streams) s.write({ error: { message: 'framework removed: torn down by the framework', code: 'REMOVED' } });
          this.dropStream();
        }
        callback(null, { launched: call.request.accept ? 1 : 0 });
      },
    };
    this.server.addService(tandemV1().Scheduler.service, handlers);
    this.port = await new Promise<number>((resolve, reject) =>
      this.server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, port) => (err ? reject(err) : resolve(port))),
    );
  }

  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  send(event: EventInit): void {
    const s = this.streams[this.streams.length - 1];
    if (!s) throw new Error('no open stream');
    s.write(event);
  }

  /** Ends the open stream as a master restart would. */
  dropStream(): void {
    for (const s of this.streams.splice(0)) s.end();
  }

  acks(): string[] {
    return this.calls.flatMap((c) => c.acknowledge?.acks.map((a) => a.uuid) ?? []);
  }

  async stop(): Promise<void> {
    this.dropStream();
    await new Promise<void>((resolve) => {
      const force = setTimeout(() => {
        this.server.forceShutdown();
        resolve();
      }, 1000);
      this.server.tryShutdown(() => {
        clearTimeout(force);
        resolve();
      });
    });
  }
}

async function waitFor(cond: () => boolean, ms = 5000): Promise<void> {
  const until = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > until) throw new Error('timed out waiting for condition');
    await new Promise((r) => setTimeout(r, 5));
  }
}

const offer = (id: string): Offer => ({
  id,
  frameworkId: 'fw-1',
  agentId: 'a1',
  hostname: 'h',
  resources: Resources.parse('cpus:1;mem:128').toWire() as Offer['resources'],
  attributes: [],
  unavailability: null,
});

const status = (taskId: string, uuid: string): TaskStatus =>
  ({
    taskId,
    state: 'TASK_RUNNING',
    reason: 'REASON_NONE',
    source: 'SOURCE_AGENT',
    message: '',
    agentId: 'a1',
    frameworkId: 'fw-1',
    uuid,
    timestamp: 1,
    hasExitCode: false,
    exitCode: 0,
    healthy: false,
    hasHealthy: false,
    containerId: '',
  }) as TaskStatus;

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

async function setup(
  options: Partial<ConstructorParameters<typeof SchedulerDriver>[0]> = {},
  configure?: (m: FakeMaster) => void,
): Promise<{ master: FakeMaster; driver: SchedulerDriver }> {
  const master = new FakeMaster();
  configure?.(master);
  await master.start();
  cleanup.push(() => master.stop());
  const driver = new SchedulerDriver({
    master: master.address,
    framework: { name: 'test', failoverTimeoutSeconds: 60 },
    reconnect: { initialMs: 20, maxMs: 100 },
    ...options,
  });
  cleanup.push(() => driver.stop());
  return { master, driver };
}

describe('SchedulerDriver', () => {
  it('driver - subscribes, keeps framework and stream ids, and sends them on every call', async () => {
    const { master, driver } = await setup();
    const subscribed = await driver.start();
    expect(subscribed.frameworkId).toBe('fw-1');
    expect(driver.frameworkId).toBe('fw-1');
    expect(driver.streamId).toBe('stream-1');
    expect(driver.state).toBe('subscribed');
    expect(master.subscriptions[0]?.frameworkInfo).toMatchObject({ id: '', name: 'test', roles: ['*'], failoverTimeoutSeconds: 60 });
    await driver.decline(['o1'], 30);
    await driver.launch(offer('o2'), [{ taskId: 't1', agentId: 'a1' }]);
    await driver.kill('t1', 'a1', 5);
    await driver.reconcile();
    expect(master.calls.map((c) => [c.frameworkId, c.streamId, c.call])).toEqual([
      ['fw-1', 'stream-1', 'decline'],
      ['fw-1', 'stream-1', 'accept'],
      ['fw-1', 'stream-1', 'kill'],
      ['fw-1', 'stream-1', 'reconcile'],
    ]);
    expect(master.calls[0]?.decline?.filters?.refuseSeconds).toBe(30);
    expect(master.calls[1]?.accept?.operations[0]?.launch?.tasks[0]?.taskId).toBe('t1');
    expect(master.calls[2]?.kill?.tasks[0]?.killPolicy?.gracePeriodSeconds).toBe(5);
  });

  it('driver - delivers offers to callbacks and to the offers() iterator', async () => {
    const { master, driver } = await setup();
    await driver.start();
    const seen: string[] = [];
    driver.onOffers((offers) => {
      seen.push(...offers.map((o) => o.id));
    });
    const it = driver.offers()[Symbol.asyncIterator]();
    master.send({ offers: { offers: [offer('o1'), offer('o2')] } });
    const first = await it.next();
    expect(first.done).toBe(false);
    expect((first.value as Offer[]).map((o) => o.id)).toEqual(['o1', 'o2']);
    await waitFor(() => seen.length === 2);
    expect(seen).toEqual(['o1', 'o2']);
  });

  it('driver - acknowledges updates only after the handler resolves, in one batch', async () => {
    const { master, driver } = await setup();
    await driver.start();
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const handled: string[] = [];
    driver.onUpdate(async (s) => {
      handled.push(s.taskId);
      if (s.taskId === 't2') await gate;
    });
    master.send({ update: { statuses: [status('t1', 'u1'), status('t2', 'u2'), { ...status('t3', ''), source: 'SOURCE_MASTER' }] } });
    await waitFor(() => handled.length === 2);
    await waitFor(() => master.acks().includes('u1'));
    expect(master.acks()).toEqual(['u1']);
    release();
    await waitFor(() => master.acks().includes('u2'));
    expect(handled).toEqual(['t1', 't2', 't3']);
    expect(master.acks()).toEqual(['u1', 'u2']); // t3 had no uuid
  });

  it('driver - batches the acks of updates handled in the same tick into one call', async () => {
    const { master, driver } = await setup();
    await driver.start();
    driver.onUpdate(() => {});
    master.send({ update: { statuses: [status('t1', 'u1'), status('t2', 'u2'), status('t3', 'u3')] } });
    await waitFor(() => master.acks().length === 3);
    expect(master.calls.filter((c) => c.acknowledge).length).toBe(1);
  });

  it('driver - acks an iterated update when the consumer asks for the next one', async () => {
    const { master, driver } = await setup();
    await driver.start();
    const it = driver.updates()[Symbol.asyncIterator]();
    master.send({ update: { statuses: [status('t1', 'u1'), status('t2', 'u2')] } });
    expect((await it.next()).value?.taskId).toBe('t1');
    await new Promise((r) => setTimeout(r, 50));
    expect(master.acks()).toEqual([]);
    expect((await it.next()).value?.taskId).toBe('t2');
    await waitFor(() => master.acks().length === 1);
    expect(master.acks()).toEqual(['u1']);
    await it.return?.();
    await waitFor(() => master.acks().length === 2);
  });

  it('driver - with autoAcknowledge false, acknowledge() is explicit', async () => {
    const { master, driver } = await setup({ autoAcknowledge: false });
    await driver.start();
    const got: TaskStatus[] = [];
    driver.onUpdate((s) => void got.push(s));
    master.send({ update: { statuses: [status('t1', 'u1')] } });
    await waitFor(() => got.length === 1);
    await new Promise((r) => setTimeout(r, 30));
    expect(master.acks()).toEqual([]);
    await driver.acknowledge(got);
    expect(master.acks()).toEqual(['u1']);
  });

  it('driver - acknowledges, without delivering, a resend of a state the task has moved past', async () => {
    const { master, driver } = await setup({ autoAcknowledge: false });
    await driver.start();
    const got: string[] = [];
    driver.onUpdate((s) => void got.push(`${s.taskId}:${s.state}`));
    const at = (taskId: string, uuid: string, state: TaskStatus['state']): TaskStatus => ({ ...status(taskId, uuid), state });
    master.send({ update: { statuses: [at('t1', 'u1', 'TASK_STARTING'), at('t1', 'u2', 'TASK_RUNNING')] } });
    await waitFor(() => got.length === 2);
    // The agent resends STARTING (its ack was lost), then the task finishes; a RUNNING
    // resend after the end is stale too. The master's own answers are always delivered.
    master.send({ update: { statuses: [at('t1', 'u1', 'TASK_STARTING')] } });
    master.send({
      update: { statuses: [at('t1', 'u3', 'TASK_FINISHED'), at('t1', 'u2', 'TASK_RUNNING'), { ...at('t1', '', 'TASK_FINISHED'), source: 'SOURCE_MASTER' }] },
    });
    await waitFor(() => got.length === 4);
    expect(got).toEqual(['t1:TASK_STARTING', 't1:TASK_RUNNING', 't1:TASK_FINISHED', 't1:TASK_FINISHED']);
    // Not delivered, so the driver acknowledged them itself, even with autoAcknowledge false.
    await waitFor(() => master.acks().length === 2);
    expect(master.acks()).toEqual(['u1', 'u2']);
    // Launching the id again starts over: its STARTING is delivered.
    await driver.launch(offer('o1'), [{ taskId: 't1', agentId: 'a1' }]);
    master.send({ update: { statuses: [at('t1', 'u4', 'TASK_STARTING')] } });
    await waitFor(() => got.length === 5);
    expect(got[4]).toBe('t1:TASK_STARTING');
  });

  it('driver - with dropStaleUpdates false, every update is delivered', async () => {
    const { master, driver } = await setup({ dropStaleUpdates: false });
    await driver.start();
    const got: string[] = [];
    driver.onUpdate((s) => void got.push(s.state));
    master.send({
      update: {
        statuses: [
          { ...status('t1', 'u2'), state: 'TASK_RUNNING' },
          { ...status('t1', 'u1'), state: 'TASK_STARTING' },
        ],
      },
    });
    await waitFor(() => master.acks().length === 2);
    expect(got).toEqual(['TASK_RUNNING', 'TASK_STARTING']);
  });

  it('driver - re-subscribes with its framework id after the stream drops', async () => {
    const { master, driver } = await setup();
    await driver.start();
    let disconnected = 0;
    const resubscribed: string[] = [];
    driver.onDisconnected(() => void disconnected++);
    driver.onSubscribed((s) => void resubscribed.push(s.streamId));
    master.dropStream();
    await waitFor(() => resubscribed.length === 1);
    expect(disconnected).toBe(1);
    expect(master.subscriptions).toHaveLength(2);
    expect(master.subscriptions[1]?.frameworkInfo?.id).toBe('fw-1');
    expect(driver.streamId).toBe('stream-2');
    await driver.revive();
    expect(master.calls.at(-1)).toMatchObject({ frameworkId: 'fw-1', streamId: 'stream-2', call: 'revive' });
  });

  it('driver - re-subscribes when heartbeats stop', async () => {
    const { master, driver } = await setup({ maxMissedHeartbeats: 2 }, (m) => {
      m.heartbeatIntervalSeconds = 0.05;
    });
    await driver.start();
    await waitFor(() => master.subscriptions.length >= 2, 3000);
    expect(master.subscriptions[1]?.frameworkInfo?.id).toBe('fw-1');
  });

  it('driver - an ERROR event is final: feeds end with the error and it stops', async () => {
    const { master, driver } = await setup();
    await driver.start();
    const errors: TandemError[] = [];
    driver.onError((e) => void errors.push(e));
    const updates = driver.updates()[Symbol.asyncIterator]();
    master.send({ error: { message: 'framework fw-1 was torn down', code: 'PERMISSION_DENIED' } });
    const err = await driver.closed();
    expect(err?.code).toBe('PERMISSION_DENIED');
    expect(err?.message).toMatch(/torn down/);
    expect(errors).toHaveLength(1);
    expect(driver.state).toBe('failed');
    await expect(updates.next()).rejects.toThrow(/torn down/);
    await new Promise((r) => setTimeout(r, 60));
    expect(master.subscriptions).toHaveLength(1);
    await expect(driver.decline('o1')).rejects.toMatchObject({ code: 'UNAVAILABLE' });
  });

  it('driver - a refused subscription rejects start()', async () => {
    const refused = Object.assign(new Error('bad role'), { code: grpc.status.PERMISSION_DENIED, details: 'role r not allowed', metadata: new grpc.Metadata() });
    const { driver } = await setup({}, (m) => {
      m.refuseWith = refused as grpc.ServiceError;
    });
    await expect(driver.start()).rejects.toMatchObject({ code: 'PERMISSION_DENIED', message: 'role r not allowed' });
  });

  it('driver - stop() flushes acks of updates already handed out, ends feeds and closes the stream', async () => {
    const { master, driver } = await setup();
    await driver.start();
    const events: string[] = [];
    const consumed = (async () => {
      for await (const e of driver.events()) events.push(e.type);
    })();
    let stopped!: Promise<void>;
    driver.onUpdate((s) => {
      if (s.state === 'TASK_RUNNING') stopped = driver.stop(); // stop from inside the handler
    });
    master.send({ update: { statuses: [status('t1', 'u1')] } });
    await waitFor(() => stopped !== undefined);
    await stopped;
    await consumed;
    expect(master.acks()).toEqual(['u1']);
    expect(events).toContain('update');
    expect(driver.state).toBe('stopped');
    await waitFor(() => master.streams.length === 0);
    expect(await driver.closed()).toBeUndefined();
  });

  it('driver - teardown() removes the framework and does not re-subscribe', async () => {
    const { master, driver } = await setup({ reconnect: { initialMs: 1, maxMs: 1 } });
    await driver.start();
    driver.onUpdate(async (s) => {
      if (s.state === 'TASK_FINISHED') await driver.teardown(); // from inside the handler
    });
    master.send({ update: { statuses: [{ ...status('t1', 'u1'), state: 'TASK_FINISHED' }] } });
    await driver.closed();
    expect(master.calls.map((c) => c.call)).toEqual(['acknowledge', 'teardown']);
    expect(driver.state).toBe('stopped');
    await new Promise((r) => setTimeout(r, 50));
    expect(master.subscriptions).toHaveLength(1);
  });

  it('driver - a call refused by a master that no longer leads fails UNAVAILABLE and moves the subscription to the leader, same framework id', async () => {
    const { master: old, driver } = await setup();
    const leader = new FakeMaster();
    await leader.start();
    cleanup.push(() => leader.stop());
    await driver.start();
    expect(driver.master).toBe(old.address);
    const standby = new TandemError(Code.Unavailable, `not the leading master; the leader is at ${leader.address}`, { leader: leader.address }).toGrpcStatus();
    old.refuseCallsWith = standby;
    old.refuseWith = standby;
    const refused = await driver.decline(['o1']).catch((err: unknown) => err as TandemError);
    expect(refused).toMatchObject({ code: 'UNAVAILABLE', leader: leader.address });
    await waitFor(() => driver.state === 'subscribed' && driver.master === leader.address);
    expect(leader.subscriptions[0]?.frameworkInfo?.id).toBe('fw-1');
    expect(old.subscriptions).toHaveLength(1); // straight to the leader, not back to the old master
    await driver.decline(['o2']);
    expect(leader.calls.map((c) => [c.frameworkId, c.streamId, c.call])).toEqual([['fw-1', 'stream-1', 'decline']]);
  });

  it('driver - subscribes through a standby to the leader it names, skipping an unreachable master; a bad list names the option', async () => {
    const leader = new FakeMaster();
    await leader.start();
    cleanup.push(() => leader.stop());
    const gone = new FakeMaster();
    await gone.start();
    const unreachable = gone.address;
    await gone.stop();
    const standby = new FakeMaster();
    standby.refuseWith = new TandemError(Code.Unavailable, 'not the leading master', { leader: leader.address }).toGrpcStatus();
    await standby.start();
    cleanup.push(() => standby.stop());
    const viaList = new SchedulerDriver({
      master: [unreachable, standby.address],
      framework: { name: 't', id: 'fw-9' },
      reconnect: { initialMs: 20, maxMs: 50 },
    });
    cleanup.push(() => viaList.stop());
    await expect(viaList.start()).resolves.toMatchObject({ frameworkId: 'fw-9' });
    expect(viaList.master).toBe(leader.address);
    expect(standby.subscriptions.map((s) => s.frameworkInfo?.id)).toEqual(['fw-9']);
    expect(() => new SchedulerDriver({ master: 'h1:5050,', framework: { name: 't' } })).toThrow('master: an empty entry (entry 2 of 2)');
  });

  it('driver - an aborted signal stops it', async () => {
    const ac = new AbortController();
    const { driver } = await setup({ signal: ac.signal });
    await driver.start();
    ac.abort();
    await driver.closed();
    expect(driver.state).toBe('stopped');
  });

  it('driver - start() keeps retrying until the master answers', async () => {
    const master = new FakeMaster();
    await master.start();
    const port = master.port;
    await master.stop();
    const driver = new SchedulerDriver({ master: `127.0.0.1:${port}`, framework: { name: 't' }, reconnect: { initialMs: 20, maxMs: 50 } });
    cleanup.push(() => driver.stop());
    const started = driver.start();
    await new Promise((r) => setTimeout(r, 150));
    expect(driver.state === 'reconnecting' || driver.state === 'connecting').toBe(true);
    await driver.stop();
    await expect(started).rejects.toMatchObject({ code: 'CANCELLED' });
  });
});
