import { jetstream } from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import { connect } from '@nats-io/transport-node';
import { Backoff, Code, componentLogger, type Logger, sleep, TandemError } from '@tandem/protocol';
import { LEASE_KEY, type LeaderIdentity } from './leader-lease.js';
import { explainNatsConnectError, type NatsAccess, natsConnectOptions } from './nats-access.js';
import { encodeKey } from './nats-key.js';
import { NatsKvStore } from './nats-kv-store.js';

/** How long a member's entry outlives its last announcement. */
export const ROSTER_TTL_MS = 30_000;
const MEMBERS = 'members/';

/** The roster bucket of a component's bucket: unfenced (anyone in the group writes its own entry), entries expiring. */
export const rosterBucket = (bucket: string): string => `${bucket}-members`;

export interface RosterOptions {
  servers: string | string[];
  access?: NatsAccess;
  bucket: string;
  self: LeaderIdentity;
  replicas?: number;
  logger?: Logger;
}

/**
 * The processes of a component's HA group, each announcing itself (id and addresses) in
 * the roster bucket (`<bucket>-members`, entries expiring after ROSTER_TTL_MS), renewed
 * every third of that. Not in the component's own bucket: a standby's write there would
 * move the bucket's sequence and fence the leader. It lets a client that knows only the
 * NATS servers find every master (`findMembers`).
 */
export class MemberRoster {
  private timer: NodeJS.Timeout | undefined;

  private constructor(
    private readonly store: NatsKvStore,
    private readonly self: LeaderIdentity,
    private readonly log: Logger,
  ) {}

  static async join(options: RosterOptions): Promise<MemberRoster> {
    const store = await NatsKvStore.open({
      servers: options.servers,
      ...(options.access ? { access: options.access } : {}),
      bucket: rosterBucket(options.bucket),
      replicas: options.replicas ?? 1,
      entryTtlMs: ROSTER_TTL_MS,
      ...(options.logger ? { logger: options.logger } : {}),
    });
    const roster = new MemberRoster(store, options.self, componentLogger('member-roster', options.logger));
    await roster.announce();
    return roster;
  }

  /** Stops announcing and removes this member's entry. */
  async leave(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.store.delete(`${MEMBERS}${this.self.id}`).catch(() => undefined);
    await this.store.close();
  }

  private async announce(): Promise<void> {
    try {
      await this.store.put(`${MEMBERS}${this.self.id}`, this.self);
    } catch (err) {
      this.log.warn({ err: TandemError.from(err).message }, 'could not announce this member; trying again');
    }
    this.timer = setTimeout(() => void this.announce(), ROSTER_TTL_MS / 3);
    this.timer.unref();
  }
}

/**
 * A member's place in the roster, kept without making anything wait for it: it joins in
 * the background, and again after a backoff while NATS does not answer. The roster only
 * helps clients find the members (`findMembers`); a master leads and serves without its
 * entry, so a slow or failed join must not stop it (a join still opening its bucket when
 * the process was frozen once ended a leading master at its resumption).
 */
export class RosterMembership {
  private readonly stopping = new AbortController();
  private roster: MemberRoster | undefined;
  private readonly joining: Promise<void>;
  private readonly log: Logger;

  constructor(options: RosterOptions) {
    this.log = componentLogger('member-roster', options.logger);
    this.joining = this.join(options);
  }

  /** Whether this member's entry is being kept now. */
  get joined(): boolean {
    return this.roster !== undefined;
  }

  /** Stops trying to join; removes the entry once joined. Waits for a join in progress (at most its store's timeout). */
  async leave(): Promise<void> {
    this.stopping.abort();
    await this.joining;
    const roster = this.roster;
    this.roster = undefined;
    await roster?.leave();
  }

  private async join(options: RosterOptions): Promise<void> {
    const backoff = new Backoff({ initialMs: 500, maxMs: 10_000 });
    while (!this.stopping.signal.aborted) {
      try {
        this.roster = await MemberRoster.join(options);
        return;
      } catch (err) {
        this.log.warn(
          { err: TandemError.from(err).message },
          'could not join the roster (clients finding the members through NATS miss this one); trying again',
        );
        await sleep(backoff.next(), this.stopping.signal).catch(() => undefined);
      }
    }
  }
}

/**
 * Every member of a component's HA group as the NATS servers know it: the gRPC address of
 * the lease holder first (the leader), then those of the roster. Reads only (no bucket is
 * created). UNAVAILABLE when NATS does not answer or names no member; `access` gives TLS and
 * credentials (as the masters' own).
 */
export async function findMembers(servers: string | string[], bucket: string, timeoutMs = 5_000, access?: NatsAccess): Promise<string[]> {
  const where = [servers].flat().join(',');
  const options = natsConnectOptions(servers, access);
  const nc = await connect({ ...options, timeout: timeoutMs, name: 'tandem-find-members', reconnect: false }).catch(async (err: unknown) => {
    throw await explainNatsConnectError(err, servers, access, 'finding the masters in NATS');
  });
  try {
    const kvm = new Kvm(jetstream(nc, { timeout: timeoutMs }));
    const found: string[] = [];
    const add = (grpc: unknown): void => {
      if (typeof grpc === 'string' && grpc !== '' && !found.includes(grpc)) found.push(grpc);
    };
    try {
      const lease = await (await kvm.open(bucket)).get(encodeKey(LEASE_KEY));
      if (lease?.operation === 'PUT') add((lease.json() as { holder?: LeaderIdentity }).holder?.grpc);
    } catch {
      // no lease bucket yet: the roster may still name members
    }
    try {
      const roster = await kvm.open(rosterBucket(bucket));
      for await (const key of await roster.keys(`${encodeKey(MEMBERS.slice(0, -1))}.>`)) {
        const entry = await roster.get(key);
        if (entry?.operation === 'PUT') add((entry.json() as LeaderIdentity).grpc);
      }
    } catch {
      // no roster bucket yet
    }
    if (found.length === 0) throw new TandemError(Code.Unavailable, `NATS at ${where} names no member of ${bucket}: is a master running on it?`);
    return found;
  } finally {
    await nc.close().catch(() => undefined);
  }
}
