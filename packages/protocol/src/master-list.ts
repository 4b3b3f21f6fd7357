import { ValidationError } from './errors.js';

/**
 * A client's list of masters (`--master h1:5050,h2:5050,h3:5050`) and the one it follows
 * now. Any master of the list will do: a standby refuses every call with UNAVAILABLE and
 * names the leader (`TandemError.leader`, the `tandem-leader` trailer), and the client
 * goes there.
 */

/** `host:port`: a name or IPv4 address, or an IPv6 address in brackets; a port from 1 to 65535. */
const HOST_PORT = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9._-]+):(\d{1,5})$/;

/**
 * The longest a client of several masters waits between attempts: while the masters
 * elect a leader (a lease to run out), standbys name no leader or a dead one, and an
 * exponential backoff would leave clients asleep long after the new leader is up.
 */
export const DEFAULT_HA_RETRY_CAP_MS = 1_000;
/** Redirects a client follows at once, without a backoff, between two successes (a guard against redirect loops). */
export const DEFAULT_MAX_IMMEDIATE_REDIRECTS = 3;

/** True for a dialable `host:port` (port 1-65535). */
export function isHostPort(address: string): boolean {
  const m = HOST_PORT.exec(address);
  if (!m) return false;
  const port = Number(m[2]);
  return port >= 1 && port <= 65535;
}

/**
 * The addresses of `value` (`h1:5050,h2:5050`, or a list whose entries may hold commas
 * too), in order, each once. Throws a ValidationError naming `field` when the list is
 * empty or an entry is not `host:port`.
 */
export function parseMasterList(value: string | readonly string[] | undefined, field = 'master'): string[] {
  const entries = (typeof value === 'string' ? [value] : (value ?? [])).flatMap((v) => v.split(',')).map((e) => e.trim());
  if (entries.length === 0 || entries.every((e) => e === '')) {
    throw new ValidationError(field, 'required: the master, or masters, as host:port[,host:port...]');
  }
  const addresses: string[] = [];
  entries.forEach((entry, i) => {
    const where = entries.length > 1 ? ` (entry ${i + 1} of ${entries.length})` : '';
    if (entry === '') throw new ValidationError(field, `an empty entry${where}; give host:port[,host:port...]`);
    if (/^nats:\/\//i.test(entry)) {
      throw new ValidationError(
        field,
        `${JSON.stringify(entry)}: a nats:// store is looked up by the tandem CLI only; in code, find the masters with findMembers() of @tandem/store and give them as host:port[,host:port...]`,
      );
    }
    if (!isHostPort(entry)) throw new ValidationError(field, `${JSON.stringify(entry)}${where} is not host:port (port 1-65535)`);
    if (!addresses.includes(entry)) addresses.push(entry);
  });
  return addresses;
}

/** Where a client goes after a failure, and whether at once. */
export interface FollowStep {
  /** The address to dial next. */
  address: string;
  /** `redirect`: the error named the leader; `rotate`: the next address of the list (the same one in a list of one). */
  reason: 'redirect' | 'rotate';
  /** Dial at once: a redirect within the budget. Otherwise after the caller's backoff. */
  immediate: boolean;
}

export interface LeaderFollowerOptions {
  /** @default DEFAULT_MAX_IMMEDIATE_REDIRECTS (3) */
  maxImmediateRedirects?: number;
  /** @default DEFAULT_HA_RETRY_CAP_MS (1 s) */
  haRetryCapMs?: number;
}

/**
 * The master a client follows: the first of the list at first; after a failure, the
 * leader the error names (even one not in the list), or else the next address of the
 * list. A pure piece of state; the caller dials, backs off and reports `succeeded()`.
 * Redirects count between two successes: past `maxImmediateRedirects` (two standbys
 * naming each other, a stale leader) they are no longer immediate, so the caller's
 * backoff applies.
 */
export class LeaderFollower {
  private readonly list: readonly string[];
  private readonly maxImmediateRedirects: number;
  private readonly haRetryCapMs: number;
  /** A master answered as a standby (it named a leader) since the last success. */
  private heardStandby = false;
  /** The list position of the last list address followed. */
  private index = 0;
  private currentValue: string;
  private redirects = 0;
  private rotations = 0;

  constructor(addresses: readonly string[], options: LeaderFollowerOptions = {}) {
    if (addresses.length === 0) throw new ValidationError('master', 'required: at least one master address');
    this.list = [...addresses];
    this.currentValue = this.list[0] as string;
    this.maxImmediateRedirects = options.maxImmediateRedirects ?? DEFAULT_MAX_IMMEDIATE_REDIRECTS;
    this.haRetryCapMs = options.haRetryCapMs ?? DEFAULT_HA_RETRY_CAP_MS;
  }

  /**
   * The wait before the next attempt, given the caller's backoff delay: capped at
   * `haRetryCapMs` for a client of several masters, or one a standby has answered, so that
   * it finds the new leader soon after an election; the backoff as it is otherwise.
   */
  retryDelayMs(backoffMs: number): number {
    return this.list.length > 1 || this.heardStandby ? Math.min(backoffMs, this.haRetryCapMs) : backoffMs;
  }

  /** The address followed now. */
  get current(): string {
    return this.currentValue;
  }

  /** The list, in order. */
  get addresses(): readonly string[] {
    return this.list;
  }

  /** Every address of the list failed (moved past without a redirect) since the last success. */
  get triedAll(): boolean {
    return this.rotations >= this.list.length;
  }

  /** After a failure on `current`: to the leader `err` names, or else the next address of the list. */
  next(err?: { readonly leader?: string | undefined }): FollowStep {
    const leader = err?.leader;
    if (leader !== undefined) this.heardStandby = true;
    if (leader !== undefined && isHostPort(leader)) {
      this.redirects += 1;
      if (leader === this.currentValue) return { address: leader, reason: 'redirect', immediate: false }; // it names itself: not leading yet
      this.currentValue = leader;
      const at = this.list.indexOf(leader);
      if (at >= 0) this.index = at;
      return { address: leader, reason: 'redirect', immediate: this.redirects <= this.maxImmediateRedirects };
    }
    this.rotations += 1;
    this.index = (this.index + 1) % this.list.length;
    this.currentValue = this.list[this.index] as string;
    return { address: this.currentValue, reason: 'rotate', immediate: false };
  }

  /** `current` answered (registered, subscribed, a call succeeded): the redirect budget and the round start over. */
  succeeded(): void {
    this.redirects = 0;
    this.rotations = 0;
  }
}
