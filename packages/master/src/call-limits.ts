import type { PeerCertificate } from 'node:tls';
import type * as grpc from '@grpc/grpc-js';
import { Code, certificatePrincipal, describeRate, type Logger, type RateLimit, TandemError, TokenBuckets } from '@tandem/protocol';
import { DEFAULT_CALL_LIMITS as LIMIT_DEFAULTS } from './defaults.js';

/** The trailer a shed call carries: how many ms to wait before trying again. */
export const RETRY_AFTER_TRAILER = 'retry-after-ms';

/** The limits on what one principal (or one anonymous host) may ask of the master's gRPC services. */
export interface CallLimitOptions {
  /** Unary calls (Scheduler.Call, Operator.*) per principal. `false`: no limit. */
  callRate: RateLimit | false;
  /** Streams opened (Agent.Connect, Scheduler.Subscribe, Operator.Watch) per principal. `false`: no limit. */
  streamRate: RateLimit | false;
  /** Streams open at once per principal, of every kind. */
  maxStreams: number;
  /** Agent streams (connected agents) open at once per principal. */
  maxAgents: number;
  /** Framework subscriptions open at once per principal. */
  maxFrameworks: number;
}

/** The defaults (defaults.ts, which the CLI's --help reads). */
export const DEFAULT_CALL_LIMITS: Readonly<CallLimitOptions> = LIMIT_DEFAULTS;

/** What the limits read of a call. */
export interface LimitedCall {
  getPeer?(): string;
  getAuthContext?(): { sslPeerCertificate?: PeerCertificate } | null;
  on(event: string, listener: (...args: unknown[]) => void): unknown;
  emit(event: 'error', status: unknown): boolean;
}

/** Who a call is from, as the limits key it; may throw (an authenticator refusing a credential): then the peer's host. */
export type CallPrincipal = (call: LimitedCall) => string | undefined;

type StreamKind = 'agent' | 'framework' | 'watch';

/** Which limit refused a call. */
export type ShedLimit = 'rate' | 'stream_rate' | 'max_streams' | 'max_agents' | 'max_frameworks';

/** The streaming methods of the master's services and what each counts as; every other method is unary. */
const STREAMS: Readonly<Record<string, StreamKind>> = { Connect: 'agent', Subscribe: 'framework', Watch: 'watch' };

/** How soon a client refused for a cap on open streams is told to try again. */
const CAP_RETRY_MS = 1_000;
/** Shed calls are logged at most this often (a flood must not flood the log). */
const LOG_EVERY_MS = 5_000;

/** The host of `call.getPeer()` (`1.2.3.4:5678`, `[::1]:5678`), without the port. */
export function peerHost(call: LimitedCall): string {
  const peer = call.getPeer?.() ?? 'unknown';
  if (peer.charCodeAt(0) === 91 /* [ */) {
    const end = peer.indexOf(']');
    return end > 0 ? peer.slice(1, end) : peer;
  }
  const colon = peer.lastIndexOf(':');
  return colon > 0 && peer.indexOf(':') === colon ? peer.slice(0, colon) : peer;
}

/** The default principal of a call: its client certificate's `OU/CN`, if it came over mutual TLS. */
export const certificateCallPrincipal: CallPrincipal = (call) => certificatePrincipal(call.getAuthContext?.()?.sslPeerCertificate);

interface Counts {
  streams: number;
  agent: number;
  framework: number;
  watch: number;
}

/**
 * Per-principal limits on the master's gRPC services: token buckets for unary calls and
 * for stream opens, and caps on the streams (agents, frameworks, watchers) a principal
 * holds open. A call over a limit is answered RESOURCE_EXHAUSTED at once, naming the
 * limit, with a `retry-after-ms` trailer; nothing is queued. Anonymous callers are keyed by
 * their host. Only the opening of a call is counted: the messages on an open agent or
 * framework stream pass untouched.
 */
export class CallLimits {
  readonly options: CallLimitOptions;
  private readonly calls: TokenBuckets | undefined;
  private readonly opens: TokenBuckets | undefined;
  private readonly open = new Map<string, Counts>();
  private readonly principalOf: CallPrincipal;
  readonly log: Logger | undefined;
  /** Calls and streams refused so far. */
  shed = 0;
  /** Refusals by limit (the `limit` label of `tandem_master_calls_shed_total`). */
  readonly shedBy: Record<ShedLimit, number> = { rate: 0, stream_rate: 0, max_streams: 0, max_agents: 0, max_frameworks: 0 };
  private loggedAt = -Infinity;

  /** The HTTP API's rate (`MasterLimitOptions.httpRate`), undefined for the default. */
  readonly httpRate: RateLimit | false | undefined;
  /** The largest gRPC message (`MasterLimitOptions.maxMessageBytes`), undefined for the default. */
  readonly maxMessageBytes: number | undefined;

  constructor(options: MasterLimitOptions = {}, log?: Logger) {
    const { callPrincipal, httpRate, maxMessageBytes, ...calls } = options;
    this.options = { ...DEFAULT_CALL_LIMITS };
    for (const [k, v] of Object.entries(calls)) if (v !== undefined) (this.options as unknown as Record<string, unknown>)[k] = v;
    this.httpRate = httpRate;
    this.maxMessageBytes = maxMessageBytes;
    this.calls = this.options.callRate ? new TokenBuckets(this.options.callRate) : undefined;
    this.opens = this.options.streamRate ? new TokenBuckets(this.options.streamRate) : undefined;
    this.principalOf = callPrincipal ?? certificateCallPrincipal;
    this.log = log;
  }

  /** Streams `key` holds open (for tests). */
  openStreams(key: string): number {
    return this.open.get(key)?.streams ?? 0;
  }

  /** The key of a call: `principal`, or `host:ADDRESS` when it proves none. */
  keyOf(call: LimitedCall): string {
    let principal: string | undefined;
    try {
      principal = this.principalOf(call);
    } catch {
      // A refused credential: the handler's own check answers it; the limits count it against its host.
    }
    return principal ?? `host:${peerHost(call)}`;
  }

  /** Wraps every handler of a service (as `gated`): a call over a limit never reaches it. */
  wrap<H extends object>(handlers: H): H {
    type AnyHandler = (call: LimitedCall, callback?: (status: unknown) => void) => void;
    const out: Record<string, AnyHandler> = {};
    for (const [name, handler] of Object.entries(handlers) as [string, AnyHandler][]) {
      const kind = STREAMS[name];
      out[name] =
        kind === undefined
          ? (call, callback) => {
              const refusal = this.admitCall(call, name);
              if (!refusal) return handler(call, callback);
              if (typeof callback === 'function') callback(refusal);
              else call.emit('error', refusal);
            }
          : (call, callback) => {
              const refusal = this.admitStream(call, name, kind);
              if (!refusal) return handler(call, callback);
              call.emit('error', refusal);
            };
    }
    return out as H;
  }

  private admitCall(call: LimitedCall, method: string): grpc.StatusObject | undefined {
    if (!this.calls) return undefined;
    const key = this.keyOf(call);
    const wait = this.calls.take(key);
    if (wait === 0) return undefined;
    return this.refuse('rate', key, method, `${key} is over its rate of calls (${describeRate(this.calls.limit)}; --rate-limit)`, wait);
  }

  private admitStream(call: LimitedCall, method: string, kind: StreamKind): grpc.StatusObject | undefined {
    const key = this.keyOf(call);
    const counts = this.open.get(key) ?? { streams: 0, agent: 0, framework: 0, watch: 0 };
    const o = this.options;
    if (counts.streams >= o.maxStreams)
      return this.refuse(
        'max_streams',
        key,
        method,
        `${key} holds ${counts.streams} open streams, the most allowed (--max-streams-per-principal)`,
        CAP_RETRY_MS,
      );
    if (kind === 'agent' && counts.agent >= o.maxAgents)
      return this.refuse('max_agents', key, method, `${key} has ${counts.agent} agents connected, the most allowed (--max-agents-per-principal)`, CAP_RETRY_MS);
    if (kind === 'framework' && counts.framework >= o.maxFrameworks)
      return this.refuse(
        'max_frameworks',
        key,
        method,
        `${key} has ${counts.framework} frameworks subscribed, the most allowed (--max-frameworks-per-principal)`,
        CAP_RETRY_MS,
      );
    const wait = this.opens?.take(key) ?? 0;
    if (wait > 0 && this.opens)
      return this.refuse('stream_rate', key, method, `${key} is over its rate of new streams (${describeRate(this.opens.limit)}; --stream-rate-limit)`, wait);
    counts.streams += 1;
    counts[kind] += 1;
    this.open.set(key, counts);
    let done = false;
    const closed = (): void => {
      if (done) return;
      done = true;
      counts.streams -= 1;
      counts[kind] -= 1;
      if (counts.streams === 0 && this.open.get(key) === counts) this.open.delete(key);
    };
    call.on('finish', closed);
    call.on('close', closed);
    call.on('cancelled', closed);
    call.on('error', closed);
    return undefined;
  }

  private refuse(limit: ShedLimit, key: string, method: string, why: string, retryMs: number): grpc.StatusObject {
    this.shed += 1;
    this.shedBy[limit] += 1;
    const now = performance.now();
    if (now - this.loggedAt >= LOG_EVERY_MS) {
      this.loggedAt = now;
      this.log?.warn({ principal: key, method, shed: this.shed }, `calls shed: ${why}`);
    }
    const status = new TandemError(Code.ResourceExhausted, `${method} refused: ${why}; retry after ${retryMs} ms`).toGrpcStatus() as grpc.StatusObject;
    status.metadata.set(RETRY_AFTER_TRAILER, String(retryMs));
    return status;
  }
}

/** `MasterOptions.limits`: the gRPC limits above, the HTTP API's rate and the largest gRPC message. */
export interface MasterLimitOptions extends Partial<CallLimitOptions> {
  /** Who a gRPC call is from (the ACLs' authenticator). @default the client certificate's `OU/CN`; else the peer's host */
  callPrincipal?: CallPrincipal;
  /** Requests per principal (per IP address when anonymous) on the HTTP API; `/health` is exempt. @default DEFAULT_HTTP_RATE_LIMIT */
  httpRate?: RateLimit | false;
  /** The largest gRPC message the master receives or sends. @default MAX_GRPC_MESSAGE_BYTES (64 MiB) */
  maxMessageBytes?: number;
}
