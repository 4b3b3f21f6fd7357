/**
 * Watches the masters' bucket (`tandem-master`) straight on NATS for the whole of a
 * scenario, to prove that a deposed leader writes nothing:
 * - every write *sent* to the bucket's subjects (a plain subscription sees each publish,
 *   whether or not the stream accepts it), with its fencing header
 *   (`Nats-Expected-Last-Sequence`: the stream sequence its writer last wrote);
 * - every lease record the stream *accepted* (a KV watch), with its holder and revision.
 * Once a new leader has taken the lease at revision T, its own writes expect T or later;
 * a write sent after the take that expects less comes from a writer fenced off before T:
 * a deposed leader that tried to write (the server refuses it, but it should never have
 * been sent).
 */
import { type KV, Kvm } from '@nats-io/kv';
import { connect, type NatsConnection, type Subscription } from '@nats-io/transport-node';

const BUCKET = 'tandem-master';
/** The lease key `_tandem/leader`, encoded as the store encodes keys. */
const LEASE_KEY = '_tandem.leader';
const SUBJECTS = `$KV.${BUCKET}.>`;

/** One write sent to the bucket, in the order the server passed it on. */
export interface SentWrite {
  key: string;
  /** The lease's holder, for a lease write. */
  holder: string | undefined;
  /** The fencing header: the last sequence its writer knew (absent on unfenced writes, such as a standby's take). */
  expectedLastSeq: number | undefined;
}

export class LeaseWriters {
  readonly sent: SentWrite[] = [];
  /** Lease records the stream accepted: holder and revision. */
  readonly leases: { holder: string; revision: number }[] = [];
  /** What each sent write carried, to find it in the bucket's history. */
  private readonly payloads = new WeakMap<SentWrite, Uint8Array>();
  private kv: KV | undefined;
  private watching: Promise<void> | undefined;
  private stopWatch: (() => void) | undefined;

  private constructor(
    private readonly nc: NatsConnection,
    private readonly sub: Subscription,
  ) {}

  /** Starts watching through `servers` (NATS client URLs); the bucket must exist (a master has started). */
  static async start(servers: readonly string[]): Promise<LeaseWriters> {
    const nc = await connect({ servers: [...servers], timeout: 5_000, maxReconnectAttempts: -1, reconnectTimeWait: 200 });
    let self: LeaseWriters | undefined;
    const sub = nc.subscribe(SUBJECTS, {
      callback: (err, msg) => {
        if (err || !self) return;
        const key = msg.subject.slice(`$KV.${BUCKET}.`.length);
        const expected = msg.headers?.get('Nats-Expected-Last-Sequence');
        let holder: string | undefined;
        if (key === LEASE_KEY && msg.data.length > 0) holder = (msg.json() as { holder?: { id?: string } }).holder?.id;
        const write: SentWrite = { key, holder, expectedLastSeq: expected ? Number(expected) : undefined };
        self.sent.push(write);
        self.payloads.set(write, new Uint8Array(msg.data));
      },
    });
    self = new LeaseWriters(nc, sub);
    await nc.flush();
    const kv = await new Kvm(nc).open(BUCKET);
    self.kv = kv;
    const watch = await kv.watch({ key: LEASE_KEY });
    self.stopWatch = () => watch.stop();
    const leases = self.leases;
    self.watching = (async () => {
      for await (const e of watch) {
        if (e.operation !== 'PUT' || e.value.length === 0) continue;
        const holder = (e.json() as { holder?: { id?: string } }).holder?.id;
        if (holder) leases.push({ holder, revision: e.revision });
      }
    })().catch(() => undefined);
    return self;
  }

  /** The revision at which `holder` took the lease (its first accepted lease record), once seen. */
  takenAt(holder: string): number | undefined {
    return this.leases.find((l) => l.holder === holder)?.revision;
  }

  /** Lease records `holder` had accepted after `revision`. */
  leasesOf(holder: string, afterRevision: number): number[] {
    return this.leases.filter((l) => l.holder === holder && l.revision > afterRevision).map((l) => l.revision);
  }

  /**
   * Writes sent after `newLeader` sent its take that expect a sequence below its take's
   * revision: writes of a writer fenced off by the take (a deposed leader).
   */
  staleAfterTake(newLeader: string): SentWrite[] {
    const at = this.takenAt(newLeader);
    if (at === undefined) throw new Error(`lease-writers: no lease record of ${newLeader} was seen`);
    const from = this.sent.findIndex((w) => w.holder === newLeader);
    if (from < 0) throw new Error(`lease-writers: the take of ${newLeader} was not seen sent`);
    return this.sent.slice(from + 1).filter((w) => w.expectedLastSeq !== undefined && w.expectedLastSeq < at);
  }

  /**
   * The stale writes (`staleAfterTake`) that the stream *accepted*: those whose key has,
   * after the take, an entry carrying exactly their bytes. A process frozen (or cut off)
   * between deciding a write and its bytes leaving may deliver it after the take; its
   * fencing header must then make the server refuse it, so this must always be empty.
   */
  async acceptedAfterTake(newLeader: string): Promise<SentWrite[]> {
    const at = this.takenAt(newLeader) as number;
    const accepted: SentWrite[] = [];
    for (const write of this.staleAfterTake(newLeader)) {
      const sent = this.payloads.get(write) ?? new Uint8Array();
      const history = await (this.kv as KV).history({ key: write.key });
      for await (const e of history) {
        if (e.revision > at && Buffer.from(e.value).equals(Buffer.from(sent))) accepted.push(write);
      }
    }
    return accepted;
  }

  async stop(): Promise<void> {
    this.stopWatch?.();
    this.sub.unsubscribe();
    await this.nc.close().catch(() => undefined);
    await this.watching;
  }
}
