import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type * as grpc from '@grpc/grpc-js';
import {
  type AgentMessageInit,
  AsyncQueue,
  agentClient,
  type ClusterState,
  type Event,
  type MasterMessage,
  type OperatorEvent,
  operatorClient,
  type SchedulerCallInit,
  schedulerClient,
} from '@tandem/protocol';
import { MemoryStore } from '@tandem/store';
import { Master } from '../master.js';

// The master's unit tests drive it through its gRPC services with scripted peers: the
// agents and frameworks here are hand-written stream clients, because those tests are
// about the master's protocol handling. test/ runs the real agent and SDK against it.

type MasterOptions = ConstructorParameters<typeof Master>[0];
type Status = NonNullable<Event['update']>['statuses'][number];

/** The next item of `q` that `pred` accepts; throws after `ms` or when the queue ends. */
export async function next<T>(q: AsyncQueue<T>, pred: (v: T) => boolean = () => true, ms = 5000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const left = deadline - Date.now();
    if (left <= 0) throw new Error('timed out waiting for a matching message');
    const r = await Promise.race([q.next(), new Promise<'timeout'>((res) => setTimeout(() => res('timeout'), left))]);
    if (r === 'timeout') throw new Error('timed out waiting for a matching message');
    if (r.done) throw new Error('stream ended');
    if (pred(r.value)) return r.value;
  }
}

/** A MemoryStore whose writes under `failPrefix` fail while `failing` is set (a full disk, a lost volume). */
export class FlakyStore extends MemoryStore {
  failing = false;

  constructor(private readonly failPrefix: string) {
    super();
  }

  override async put<T = unknown>(key: string, value: T, options?: { expectedRevision?: number }): Promise<number> {
    if (this.failing && key.startsWith(this.failPrefix)) throw new Error('disk full');
    return super.put(key, value, options);
  }
}

/** Masters and scripted peers of one test; `stop()` (from afterEach) closes them all, newest first. */
export class ScriptedPeers {
  private readonly cleanups: (() => Promise<void> | void)[] = [];

  async stop(): Promise<void> {
    for (const c of this.cleanups.splice(0).reverse()) await c();
  }

  /** Runs `cleanup` at `stop()`, before what was set up earlier. */
  defer(cleanup: () => Promise<void> | void): void {
    this.cleanups.push(cleanup);
  }

  /** A master on port 0 with a MemoryStore, no HTTP, a 50 ms allocation interval. */
  async startMaster(options: Partial<MasterOptions> = {}): Promise<Master> {
    const master = new Master({
      host: '127.0.0.1',
      port: 0,
      httpPort: -1,
      workDir: mkdtempSync(join(tmpdir(), 'tandem-master-')),
      store: new MemoryStore(),
      allocationIntervalMs: 50,
      agentPingIntervalMs: 1000,
      maxMissedPings: 3,
      ...options,
    });
    await master.start();
    this.cleanups.push(() => master.stop());
    return master;
  }

  /** An agent stream that registers, answers pings (unless told not to; `answer(on)` changes it), and keeps every other master message in `inbox`. */
  async agent(master: Master, register: NonNullable<AgentMessageInit['register']>, options: { answerPings?: boolean } = {}) {
    const client = agentClient(master.address);
    const stream = client.connect() as grpc.ClientDuplexStream<AgentMessageInit, MasterMessage>;
    const inbox = new AsyncQueue<MasterMessage>();
    let answerPings = options.answerPings ?? true;
    stream.on('data', (m: MasterMessage) => {
      if (m.message === 'ping') {
        if (answerPings) stream.write({ pong: { seq: m.ping!.seq } });
      } else inbox.push(m);
    });
    stream.on('error', () => inbox.stop());
    stream.on('end', () => inbox.stop());
    this.cleanups.push(() => {
      stream.cancel();
      client.close();
    });
    stream.write({ register });
    const reg = await next(inbox, (m) => m.message === 'registered');
    const answer = (on: boolean): void => {
      answerPings = on;
    };
    return { agentId: reg.registered!.agentId, stream, inbox, answer };
  }

  /** A subscribed framework: its events, `call` for Scheduler.Call, and waits for offers and updates. */
  async framework(master: Master, name = 'f') {
    const client = schedulerClient(master.address);
    const sub = client.subscribe({ frameworkInfo: { name, failoverTimeoutSeconds: 60 } });
    const events = new AsyncQueue<Event>();
    sub.on('data', (e: Event) => events.push(e));
    sub.on('error', () => events.stop());
    sub.on('end', () => events.stop());
    this.cleanups.push(() => {
      sub.cancel();
      client.close();
    });
    const { frameworkId, streamId } = (await next(events, (e) => e.event === 'subscribed')).subscribed!;
    const call = (c: Omit<SchedulerCallInit, 'frameworkId' | 'streamId'>, fid = frameworkId) =>
      new Promise<{ launched: number }>((resolve, reject) =>
        client.call({ frameworkId: fid, streamId, ...c }, (err, res) => (err ? reject(err) : resolve({ launched: res?.launched ?? 0 }))),
      );
    const offers = async () => (await next(events, (e) => e.event === 'offers')).offers!.offers;
    // Every status seen so far, so that two statuses of one event can be awaited in turn.
    const seen: Status[] = [];
    const updates = async (pred: (s: Status) => boolean) => {
      const hit = seen.find(pred);
      if (hit) return hit;
      const e = await next(events, (ev) => {
        if (ev.event === 'update') seen.push(...ev.update!.statuses);
        return ev.event === 'update' && ev.update!.statuses.some(pred);
      });
      return e.update!.statuses.find(pred)!;
    };
    return { frameworkId, streamId, events, call, offers, updates };
  }

  /** Operator.GetState over gRPC. */
  getState(master: Master): Promise<ClusterState> {
    const client = operatorClient(master.address);
    this.cleanups.push(() => client.close());
    return new Promise((resolve, reject) => client.getState({}, (err, res) => (err || !res ? reject(err) : resolve(res))));
  }

  /** Operator.Watch: the snapshot, then every change. */
  watch(master: Master): AsyncQueue<OperatorEvent> {
    const client = operatorClient(master.address);
    const call = client.watch({});
    const events = new AsyncQueue<OperatorEvent>();
    call.on('data', (e: OperatorEvent) => events.push(e));
    call.on('error', () => events.stop());
    call.on('end', () => events.stop());
    this.cleanups.push(() => {
      call.cancel();
      client.close();
    });
    return events;
  }
}
