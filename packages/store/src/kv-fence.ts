import type { JetStreamClient, PubAck } from '@nats-io/jetstream';
import type { KV } from '@nats-io/kv';
import { headers } from '@nats-io/transport-node';
import { Code, TandemError } from '@tandem/protocol';
import { encodeKey } from './nats-key.js';

/** Keys under this prefix are Tandem's own (the leader lease, the batch record): never listed to a store's user. */
export const RESERVED_PREFIX = '_tandem/';
/** The last multi-write batch, written before its writes: what a new writer finishes if its predecessor died halfway. */
export const BATCH_KEY = `${RESERVED_PREFIX}batch`;

/** One write waiting in the fence: a put (`json`) or a delete (`json` undefined). */
export interface FencedOp {
  readonly key: string;
  readonly json: string | undefined;
  /** A put's compare-and-set: the key's revision must be this (0 = absent) when the write is made. */
  readonly expectedRevision?: number;
  /** Resolves with the write's revision (a delete's: 1 when the key existed, 0 when it did not). */
  resolve(revision: number): void;
  reject(err: TandemError): void;
}

export interface FenceHooks {
  /** Why no write may be sent now (this process may no longer lead), if so; checked before every group. */
  refusal(): TandemError | undefined;
  /** A write failed or was refused by the server: the fence is broken for good (the caller fail-stops). */
  broken(err: TandemError): void;
}

/** A batch record too big for one value is written in parts, `_tandem/batch/<i>`, each `<id>\n<bytes>`, before its header. */
const PART_PREFIX = `${BATCH_KEY}/`;
/** At most this many parts (64 values: 64 MiB on a default server) for one turn's batch record. */
const MAX_PARTS = 64;

/** The batch record's header when it is written in parts. */
interface PartsHeader {
  id: number;
  parts: number;
}

interface BatchRecord {
  /** Each write of the batch: key, and the value as JSON (absent for a delete). */
  ops: { k: string; v?: string }[];
}

/**
 * The one writer of a NATS KV bucket, fenced by the bucket's stream sequence. Every write
 * is published with `Nats-Expected-Last-Sequence` set to the sequence this writer last
 * wrote (starting from the lease write that made it the writer), so the server refuses it
 * the moment anyone else has written the bucket, such as a new leader taking the lease:
 * a revision is a fencing token the server checks. Writes are pipelined in groups.
 *
 * - **Turns.** The writes issued in one event-loop turn are one batch, all or nothing (the
 *   Store promise): when a group holds a turn of several writes, a batch record listing
 *   them (`_tandem/batch`) is written first, and `recover()` re-applies those of the last
 *   batch that did not land (their key's revision is below the record's) before a new
 *   writer writes anything. A record bigger than one value (a turn of thousands of
 *   writes) is written in parts (`_tandem/batch/<i>`, each tagged with the batch's id)
 *   before a header naming them; parts tagged otherwise belong to a later batch, whose
 *   header was never written, so there is nothing to finish.
 * - **Group commit.** Turns queued while a group is in flight go out together in the next.
 * - **Fail-stop.** Any failure (a stale sequence, a timeout, a lost connection) breaks the
 *   fence: the group's writes and every queued one are rejected with UNAVAILABLE (their
 *   outcome unknown: a batch record may let the next writer finish them), and `hooks.broken`
 *   is called. Nothing is retried.
 */
export class KvFence {
  private readonly queue: FencedOp[][] = [];
  private turn: FencedOp[] | undefined;
  private committing = false;
  private brokenWith: TandemError | undefined;
  private readonly subjectPrefix: string;

  constructor(
    private readonly js: JetStreamClient,
    private readonly kv: KV,
    private readonly bucket: string,
    /** The stream's last sequence when this writer starts (the revision of its lease write). */
    private lastSequence: number,
    private readonly maxValueBytes: number,
    private readonly timeoutMs: number,
    private readonly hooks: FenceHooks,
  ) {
    this.subjectPrefix = `$KV.${bucket}.`;
  }

  /** The failure that broke the fence, if one did. */
  get failure(): TandemError | undefined {
    return this.brokenWith;
  }

  /** Queues a write into this turn's batch. */
  write(op: Omit<FencedOp, 'resolve' | 'reject'>): Promise<number> {
    if (this.brokenWith) return Promise.reject(this.brokenWith);
    return new Promise<number>((resolve, reject) => {
      if (!this.turn) {
        const turn: FencedOp[] = [];
        this.turn = turn;
        setImmediate(() => {
          this.turn = undefined;
          this.queue.push(turn);
          void this.drain();
        });
      }
      this.turn.push({ ...op, resolve, reject });
    });
  }

  /**
   * Finishes the last batch of the previous writer: each of its writes whose key is still
   * below the batch record's revision is written again. Call once, before any `write`.
   */
  async recover(): Promise<number> {
    const record = await this.kv.get(encodeKey(BATCH_KEY));
    if (record?.operation !== 'PUT') return 0;
    const head = JSON.parse(record.string()) as BatchRecord | PartsHeader;
    const batch = 'parts' in head ? await this.readParts(head) : head;
    if (!batch) return 0;
    const missing: BatchRecord['ops'] = [];
    for (const op of batch.ops) {
      const current = await this.kv.get(encodeKey(op.k));
      if (!current || current.revision < record.revision) missing.push(op);
    }
    if (missing.length === 0) return 0;
    await Promise.all(missing.map((op) => this.write({ key: op.k, json: op.v })));
    return missing.length;
  }

  /** Resolves once every write queued so far has been committed or rejected. */
  async settled(): Promise<void> {
    while (this.turn || this.queue.length > 0 || this.committing) await new Promise((r) => setTimeout(r, 5));
  }

  /**
   * The batch record a parts header names, or undefined when its parts are no longer all
   * of that batch: a later batch's parts are written only after this batch's writes all
   * landed, so there is then nothing to finish.
   */
  private async readParts(head: PartsHeader): Promise<BatchRecord | undefined> {
    const tag = Buffer.from(`${head.id}\n`);
    const chunks: Buffer[] = [];
    for (let i = 0; i < head.parts; i++) {
      const part = await this.kv.get(encodeKey(`${PART_PREFIX}${i}`));
      const bytes = part?.operation === 'PUT' ? Buffer.from(part.value) : undefined;
      if (!bytes?.subarray(0, tag.length).equals(tag)) return undefined;
      chunks.push(bytes.subarray(tag.length));
    }
    return JSON.parse(Buffer.concat(chunks).toString('utf8')) as BatchRecord;
  }

  /** Whether this writer may no longer write: its lease may have passed, or the fence broke. */
  get deposed(): boolean {
    return this.brokenWith !== undefined || this.hooks.refusal() !== undefined;
  }

  /** Rejects every write still queued (the store is closing or the fence broke). */
  abandon(err: TandemError): void {
    const turns = this.turn ? [...this.queue, this.turn] : [...this.queue];
    this.queue.length = 0;
    this.turn = undefined;
    for (const op of turns.flat()) op.reject(err);
  }

  private async drain(): Promise<void> {
    if (this.committing) return;
    this.committing = true;
    try {
      while (this.queue.length > 0) {
        if (this.brokenWith) {
          this.abandon(this.brokenWith);
          return;
        }
        await this.commit(this.nextGroup());
      }
    } finally {
      this.committing = false;
    }
  }

  /** Whole turns off the queue, as many as one batch record can list (at least one turn). */
  private nextGroup(): FencedOp[][] {
    const group: FencedOp[][] = [];
    let bytes = 0;
    while (this.queue.length > 0) {
      const turn = this.queue[0] as FencedOp[];
      const size = turn.reduce((n, op) => n + Buffer.byteLength(op.key) + (op.json === undefined ? 0 : Buffer.byteLength(op.json)) + 16, 0);
      if (group.length > 0 && bytes + size > this.maxValueBytes) break;
      group.push(turn);
      bytes += size;
      this.queue.shift();
    }
    return group;
  }

  private async commit(group: FencedOp[][]): Promise<void> {
    const refusal = this.hooks.refusal();
    if (refusal) {
      for (const op of group.flat()) op.reject(refusal);
      return;
    }
    let turns: FencedOp[][];
    let existed: Map<FencedOp, number>;
    try {
      ({ turns, existed } = await this.checkPreconditions(group));
    } catch (err) {
      return this.break(group.flat(), err, 'reading the keys before a write');
    }
    // The reads may have outlived the lease (NATS cut off, then back): ask again just before sending anything.
    const late = this.hooks.refusal();
    if (late) {
      for (const op of group.flat()) op.reject(late);
      return;
    }
    const ops = turns.flat();
    if (ops.length === 0) return;
    const record: BatchRecord | undefined = turns.some((t) => t.length > 1)
      ? { ops: ops.map((op) => (op.json === undefined ? { k: op.key } : { k: op.key, v: op.json })) }
      : undefined;
    const recordJson = record && JSON.stringify(record);
    if (recordJson && Buffer.byteLength(recordJson) > this.maxValueBytes && turns.length > 1) {
      // The group's estimate fell short (escaping, multi-byte text): its first turn alone now, the rest back in front.
      this.queue.unshift(...turns.slice(1));
      return this.commit(turns.slice(0, 1));
    }
    const base = this.lastSequence;
    // One turn's record too big for a value goes in parts, then a header naming them.
    const recordBytes = recordJson === undefined ? undefined : Buffer.from(recordJson);
    const tag = Buffer.from(`${base}\n`);
    const partSize = this.maxValueBytes - tag.length;
    const parts = recordBytes && recordBytes.length > this.maxValueBytes ? Math.ceil(recordBytes.length / partSize) : 0;
    if (parts > MAX_PARTS) {
      // Refused as a whole, nothing written (the turns after it go on).
      const err = new TandemError(
        Code.InvalidArgument,
        `store nats:${this.bucket}: a batch of ${ops.length} writes (${recordBytes?.length} bytes) is over the store's limit of ${MAX_PARTS} values of ${this.maxValueBytes} bytes`,
        { field: 'value' },
      );
      for (const op of ops) op.reject(err);
      return;
    }
    const sends: Promise<PubAck>[] = [];
    for (let i = 0; i < parts; i++) {
      const chunk = (recordBytes as Buffer).subarray(i * partSize, (i + 1) * partSize);
      sends.push(this.publish(`${PART_PREFIX}${i}`, Buffer.concat([tag, chunk]), base + sends.length));
    }
    if (recordJson)
      sends.push(this.publish(BATCH_KEY, parts > 0 ? JSON.stringify({ id: base, parts } satisfies PartsHeader) : recordJson, base + sends.length));
    const before = sends.length;
    for (const op of ops) sends.push(this.publish(op.key, op.json, base + sends.length));
    const results = await Promise.allSettled(sends);
    const bad = results.findIndex((r, i) => r.status === 'rejected' || r.value.seq !== base + i + 1);
    if (bad >= 0) {
      const r = results[bad] as PromiseSettledResult<PubAck>;
      return this.break(ops, r.status === 'rejected' ? r.reason : new Error(`the server stored it at ${r.value.seq}, not ${base + bad + 1}`), 'a write');
    }
    this.lastSequence = base + sends.length;
    for (const [i, op] of ops.entries()) op.resolve(op.json === undefined ? (existed.get(op) ?? 0) : base + before + i + 1);
  }

  /** Drops the turns whose compare-and-set fails (ABORTED); notes whether each delete's key existed. */
  private async checkPreconditions(group: FencedOp[][]): Promise<{ turns: FencedOp[][]; existed: Map<FencedOp, number> }> {
    const existed = new Map<FencedOp, number>();
    const turns: FencedOp[][] = [];
    for (const turn of group) {
      let abort: TandemError | undefined;
      for (const op of turn) {
        if (op.json !== undefined && op.expectedRevision === undefined) continue;
        const entry = await this.kv.get(encodeKey(op.key));
        const revision = entry?.operation === 'PUT' ? entry.revision : 0;
        if (op.json === undefined) existed.set(op, revision > 0 ? 1 : 0);
        else if (revision !== op.expectedRevision)
          abort ??= new TandemError(Code.Aborted, `${op.key}: expected revision ${op.expectedRevision}, found ${revision}`);
      }
      if (abort) for (const op of turn) op.reject(abort);
      else turns.push(turn);
    }
    return { turns, existed };
  }

  private publish(key: string, json: string | Uint8Array | undefined, lastSequence: number): Promise<PubAck> {
    const h = headers();
    if (json === undefined) h.set('KV-Operation', 'DEL');
    return this.js.publish(`${this.subjectPrefix}${encodeKey(key)}`, json ?? '', {
      headers: h,
      expect: { lastSequence },
      timeout: this.timeoutMs,
    });
  }

  private break(ops: FencedOp[], cause: unknown, what: string): void {
    const detail = cause instanceof Error ? cause.message : String(cause);
    const stale = /wrong last sequence/i.test(detail);
    const err = new TandemError(
      Code.Unavailable,
      stale
        ? `store nats:${this.bucket}: another process has written the bucket since this one last did (${detail}); this process no longer writes it`
        : `store nats:${this.bucket}: ${what} failed (${detail}); its outcome is unknown and this process writes nothing more`,
      { cause },
    );
    this.brokenWith = err;
    for (const op of ops) op.reject(err);
    this.abandon(err);
    this.hooks.broken(err);
  }
}
