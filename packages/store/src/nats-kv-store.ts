import { JetStreamApiCodes, JetStreamApiError, type JetStreamClient, type JetStreamManager, jetstream, jetstreamManager } from '@nats-io/jetstream';
import { type KV, Kvm } from '@nats-io/kv';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { Code, componentLogger, type Logger, TandemError } from '@tandem/protocol';
import { type FenceHooks, KvFence, RESERVED_PREFIX } from './kv-fence.js';
import { explainNatsConnectError, type NatsAccess, natsConnectOptions } from './nats-access.js';
import { decodeKey, encodeKey, prefixFilter } from './nats-key.js';
import type { Store, StoreEntry } from './store.js';

export interface NatsKvStoreOptions {
  /** NATS servers, `nats://host:port` (`tls://host:port` with `access.tls`; or `host:port`); several for a cluster. They carry no credentials. */
  servers: string | string[];
  /** TLS and credentials for the servers. @default plaintext, no credentials */
  access?: NatsAccess;
  /** The KV bucket (created when missing): one per component (`tandem-master`, …). */
  bucket: string;
  /** Copies of the bucket when it is created (an existing bucket keeps its own). Production: >= 3. @default 1 */
  replicas?: number;
  /** The largest JSON value a put may write; a larger one is refused with INVALID_ARGUMENT. @default the server's max_payload less 1 KiB for headers (1 MiB - 1 KiB on a default server) */
  maxValueBytes?: number;
  /** How long a request (a write, a read, a connection attempt) may take before it fails with UNAVAILABLE. @default 5000 */
  timeoutMs?: number;
  /** The wait between reconnection attempts after the connection is lost. @default 500 */
  reconnectWaitMs?: number;
  /** Reconnection attempts (per server) before the store fails for good; -1 is without end. @default -1 */
  maxReconnectAttempts?: number;
  /** Entries expire this long after their last write (the bucket's max age; set when it is created). @default none */
  entryTtlMs?: number;
  logger?: Logger;
}

export const DEFAULT_NATS_TIMEOUT_MS = 5_000;
/** Room left under the server's max_payload for the headers of a write (the compare-and-set header, KV headers). */
const HEADER_ROOM = 1024;
/** JetStream's "message size exceeds maximum allowed". */
const MESSAGE_TOO_LARGE = 10054;

/**
 * A replicated `Store` on a NATS JetStream KV bucket. Revisions are the bucket's stream
 * sequences (monotonic across the bucket); compare-and-set is the server's
 * expected-last-subject-sequence check (`create` for revision 0, `update` for n), so a
 * revision is a fencing token checked by the server on every conditional write.
 *
 * - **Keys** are encoded reversibly into KV keys (`nats-key.ts`): `/` becomes the token
 *   separator, anything else outside `[-_a-zA-Z0-9]` is escaped as `=XX`.
 * - **No atomic batches** (`atomicBatches` is false): each write is its own KV message;
 *   writes issued in one event-loop turn may land partly. Only single-key writers (the
 *   master registry) may use this engine until a change encoding (one key per change)
 *   exists; the apps framework, which plans a change as several writes of one turn, must
 *   not.
 * - **Connection loss** (chosen: recover, not fail-stop): the client reconnects without
 *   end by default. A write issued while disconnected is refused at once, and one that is
 *   not confirmed within `timeoutMs` is rejected, both with UNAVAILABLE naming the cause.
 *   Such a write's outcome is unknown (it may have reached the server before the link
 *   dropped, as with any networked store): a writer re-reads and relies on compare-and-set.
 *   Reads fail the same way while the server is away (unlike FileStore's, which keep
 *   working). Once the connection is back the store works again. `failure()` reports only
 *   the permanent case: the connection closed for good (reconnection attempts exhausted,
 *   an authorization error) without `close()`; every later write is then refused with it.
 * - **Durability** is the server's: production needs a bucket with replicas >= 3 on
 *   servers running `sync_interval: always` (docs/architecture.md, "The NATS KV store").
 * - **Reads** go to the stream leader (the bucket is created without direct get), since
 *   direct gets may be served by followers and be stale.
 */
export class NatsKvStore implements Store {
  private failed: TandemError | undefined;
  /** Set once this store is the bucket's one writer (`fenceWrites`): every write then goes through it. */
  private fence: KvFence | undefined;
  private connected = true;
  private closing = false;
  private readonly inFlight = new Set<Promise<unknown>>();

  private constructor(
    private readonly nc: NatsConnection,
    private readonly js: JetStreamClient,
    private readonly jsm: JetStreamManager,
    private readonly kv: KV,
    readonly bucket: string,
    readonly maxValueBytes: number,
    private readonly timeoutMs: number,
    private readonly log: Logger,
  ) {
    void this.watchStatus();
    void nc.closed().then((err) => {
      if (this.closing) return;
      this.failed = new TandemError(
        Code.Unavailable,
        `store nats:${bucket}: the connection to NATS closed for good${err ? ` (${err.message})` : ''}; this process writes nothing more until it is restarted`,
        { cause: err },
      );
      this.log.error({ err, bucket }, 'NATS connection closed for good; refusing every further write');
    });
  }

  /** Connects, and creates the bucket when it is missing. Fails with UNAVAILABLE when no server answers. */
  static async open(options: NatsKvStoreOptions): Promise<NatsKvStore> {
    const log = options.logger ?? componentLogger('store');
    const timeout = options.timeoutMs ?? DEFAULT_NATS_TIMEOUT_MS;
    const servers = options.servers;
    let nc: NatsConnection;
    try {
      nc = await connect({
        ...natsConnectOptions(servers, options.access),
        name: `tandem-store-${options.bucket}`,
        timeout,
        reconnect: true,
        maxReconnectAttempts: options.maxReconnectAttempts ?? -1,
        reconnectTimeWait: options.reconnectWaitMs ?? 500,
        // A lost server is noticed by the socket closing; pings catch a silent one.
        pingInterval: Math.max(timeout, 2_000),
        maxPingOut: 2,
      });
    } catch (err) {
      if (err instanceof TandemError) throw err;
      throw await explainNatsConnectError(err, servers, options.access, `store nats:${options.bucket}`);
    }
    try {
      const serverMax = nc.info?.max_payload ?? 1024 * 1024;
      const maxValueBytes = options.maxValueBytes ?? serverMax - HEADER_ROOM;
      if (maxValueBytes + HEADER_ROOM > serverMax) {
        throw new TandemError(
          Code.InvalidArgument,
          `store nats:${options.bucket}: maxValueBytes ${maxValueBytes} is over what the server accepts (max_payload ${serverMax}, less ${HEADER_ROOM} for headers)`,
          { field: 'maxValueBytes' },
        );
      }
      const js = jetstream(nc, { timeout });
      const kv = await new Kvm(js).create(options.bucket, {
        replicas: options.replicas ?? 1,
        history: 1,
        // The server counts headers (the compare-and-set one) against this limit too.
        maxValueSize: maxValueBytes + HEADER_ROOM,
        allow_direct: false,
        timeout,
        ...(options.entryTtlMs === undefined ? {} : { ttl: options.entryTtlMs }),
      });
      // An existing bucket keeps its own settings: its value limit may be the smaller one.
      const status = await kv.status();
      const replicas = options.replicas ?? 1;
      if (status.replicas !== replicas)
        log.warn({ bucket: options.bucket, replicas: status.replicas, wanted: replicas }, 'store bucket exists with other replicas; keeping them');
      const limit = status.maxValueSize > 0 ? Math.min(maxValueBytes, status.maxValueSize - HEADER_ROOM) : maxValueBytes;
      return new NatsKvStore(nc, js, await jetstreamManager(nc, { timeout }), kv, options.bucket, limit, timeout, log);
    } catch (err) {
      await nc.close().catch(() => undefined);
      if (err instanceof TandemError) throw err;
      throw new TandemError(Code.Unavailable, `store nats:${options.bucket}: cannot open the bucket (${describe(err)})`, { cause: err });
    }
  }

  /** One-turn batches are atomic once this store is the bucket's fenced writer (`fenceWrites`), not before. */
  get atomicBatches(): boolean {
    return this.fence !== undefined;
  }

  /**
   * Makes this store the bucket's one writer from the stream sequence `lastSequence` (the
   * revision of the lease write that made this process the leader; see LeaderLease): every
   * later write is fenced on the bucket's sequence (kv-fence.ts), one-turn batches become
   * atomic, and the previous writer's last batch is finished first. A write the server
   * refuses, or any other write failure, breaks the fence for good: `hooks.broken` is
   * called and `failure()` reports it.
   */
  async fenceWrites(lastSequence: number, hooks: FenceHooks): Promise<void> {
    if (this.fence) throw new TandemError(Code.FailedPrecondition, `store nats:${this.bucket} is already fenced`);
    this.fence = new KvFence(this.js, this.kv, this.bucket, lastSequence, this.maxValueBytes, this.timeoutMs, {
      refusal: hooks.refusal,
      broken: (err) => {
        this.failed ??= err;
        this.log.error({ bucket: this.bucket, err: err.message }, 'store fence broken; refusing every further write');
        hooks.broken(err);
      },
    });
    const redone = await this.fence.recover();
    if (redone > 0) this.log.warn({ bucket: this.bucket, writes: redone }, "finished the previous writer's last batch");
  }

  async get<T = unknown>(key: string): Promise<StoreEntry<T> | undefined> {
    const ek = this.encode(key);
    const entry = await this.track(key, 'read', () => this.kv.get(ek));
    if (entry?.operation !== 'PUT') return undefined;
    return { key, value: JSON.parse(entry.string()) as T, revision: entry.revision };
  }

  async put<T = unknown>(key: string, value: T, options: { expectedRevision?: number } = {}): Promise<number> {
    this.checkWritable(key);
    const ek = this.encode(key);
    const json = JSON.stringify(value);
    if (json === undefined) throw new TandemError(Code.InvalidArgument, `${key}: value is not JSON`, { field: 'value' });
    const bytes = Buffer.byteLength(json);
    if (bytes > this.maxValueBytes) {
      throw new TandemError(Code.InvalidArgument, `${key}: a value of ${bytes} bytes is over the store's limit of ${this.maxValueBytes}`, { field: 'value' });
    }
    const expected = options.expectedRevision;
    if (this.fence) return this.fence.write({ key, json, ...(expected === undefined ? {} : { expectedRevision: expected }) });
    try {
      return await this.track(key, 'write', () =>
        expected === undefined ? this.kv.put(ek, json) : expected === 0 ? this.kv.create(ek, json) : this.kv.update(ek, json, expected),
      );
    } catch (err) {
      if (expected !== undefined && isWrongLastSequence(err)) throw await this.aborted(key, expected, err);
      throw err;
    }
  }

  async delete(key: string): Promise<boolean> {
    this.checkWritable(key);
    const ek = this.encode(key);
    if (this.fence) return (await this.fence.write({ key, json: undefined })) > 0;
    // Conditional on the revision read, so that a concurrent put is not deleted unseen.
    for (;;) {
      const entry = await this.track(key, 'read', () => this.kv.get(ek));
      if (entry?.operation !== 'PUT') return false;
      try {
        await this.track(key, 'write', () => this.kv.delete(ek, { previousSeq: entry.revision }));
        return true;
      } catch (err) {
        if (!isWrongLastSequence(err)) throw err;
      }
    }
  }

  /**
   * Every entry whose key starts with `prefix`, in key order. The keys are listed first
   * (the subjects of the bucket's stream, filtered by the server on the prefix's whole
   * segments), then read; a key deleted in between is left out, so the result is not one
   * point in time. Both come from the stream leader: the KV client's own key listing
   * reads through a consumer that the server may place on a replica still catching up
   * after a restart, and it missed acknowledged keys (found by test/nats-cluster.test.ts).
   */
  async list<T = unknown>(prefix: string): Promise<StoreEntry<T>[]> {
    const subjectPrefix = `$KV.${this.bucket}.`;
    const keys = await this.track(prefix, 'list', async () => {
      const info = await this.jsm.streams.info(`KV_${this.bucket}`, { subjects_filter: `${subjectPrefix}${prefixFilter(prefix)}` });
      const out: string[] = [];
      for (const subject of Object.keys(info.state.subjects ?? {})) {
        const key = decodeKey(subject.slice(subjectPrefix.length));
        if (key.startsWith(prefix) && (!key.startsWith(RESERVED_PREFIX) || prefix.startsWith(RESERVED_PREFIX))) out.push(key);
      }
      return out;
    });
    keys.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    const entries: StoreEntry<T>[] = [];
    for (let i = 0; i < keys.length; i += 64) {
      const got = await Promise.all(keys.slice(i, i + 64).map((k) => this.get<T>(k)));
      for (const e of got) if (e) entries.push(e);
    }
    return entries;
  }

  failure(): TandemError | undefined {
    return this.failed;
  }

  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    if (this.fence?.deposed) {
      // A deposed writer waits for nothing: writes the client still holds (sent while NATS
      // was cut off) must not reach the server once it is back. Closing drops them.
      this.fence.abandon(new TandemError(Code.Unavailable, `store nats:${this.bucket} is closing: this process no longer leads`));
      await this.nc.close();
      return;
    }
    await this.fence?.settled();
    await Promise.allSettled([...this.inFlight]);
    await this.nc.close();
  }

  private encode(key: string): string {
    if (key === '') throw new TandemError(Code.InvalidArgument, 'store key must not be empty', { field: 'key' });
    return encodeKey(key);
  }

  private checkWritable(key: string): void {
    if (this.failed) throw this.failed;
    if (this.closing) throw new TandemError(Code.FailedPrecondition, `store is closed (nats:${this.bucket})`);
    if (!this.connected) {
      throw new TandemError(Code.Unavailable, `${key}: store nats:${this.bucket} is not connected to NATS (reconnecting); the write was not sent`);
    }
  }

  /** Runs one request, mapping what the client throws to UNAVAILABLE naming the key and the cause. */
  private async track<R>(key: string, what: 'read' | 'write' | 'list', fn: () => Promise<R>): Promise<R> {
    if (this.closing) throw new TandemError(Code.FailedPrecondition, `store is closed (nats:${this.bucket})`);
    const p = fn();
    this.inFlight.add(p);
    try {
      return await p;
    } catch (err) {
      if (err instanceof TandemError || isWrongLastSequence(err)) throw err;
      if (err instanceof JetStreamApiError && err.code === MESSAGE_TOO_LARGE) {
        throw new TandemError(Code.InvalidArgument, `${key}: the value is over the bucket's limit (${describe(err)})`, { field: 'value', cause: err });
      }
      const unconfirmed = what === 'write' ? '; the write is not confirmed and may or may not have been applied' : '';
      throw new TandemError(Code.Unavailable, `${key}: store nats:${this.bucket} ${what} failed (${describe(err)})${unconfirmed}`, { cause: err });
    } finally {
      this.inFlight.delete(p);
    }
  }

  private async aborted(key: string, expected: number, cause: unknown): Promise<TandemError> {
    let found = 'another';
    try {
      found = String((await this.get(key))?.revision ?? 0);
    } catch {
      // the refusal stands without the current revision
    }
    return new TandemError(Code.Aborted, `${key}: expected revision ${expected}, found ${found}`, { cause });
  }

  private async watchStatus(): Promise<void> {
    for await (const s of this.nc.status()) {
      if (s.type === 'disconnect' || s.type === 'reconnecting' || s.type === 'staleConnection') {
        if (this.connected)
          this.log.warn({ bucket: this.bucket, status: s.type }, 'store lost its NATS connection; writes fail with UNAVAILABLE until it is back');
        this.connected = false;
      } else if (s.type === 'reconnect') {
        this.connected = true;
        this.log.info({ bucket: this.bucket }, 'store reconnected to NATS');
      }
    }
  }
}

function isWrongLastSequence(err: unknown): boolean {
  return (
    err instanceof JetStreamApiError &&
    (err.code === JetStreamApiCodes.StreamWrongLastSequence || err.code === JetStreamApiCodes.StreamWrongLastSequenceUnknown)
  );
}

function describe(err: unknown): string {
  if (err instanceof Error) return `${err.name}: ${err.message}`;
  return String(err);
}
