import { dirname } from 'node:path';
import {
  backoffDelay,
  isTerminal,
  type Logger,
  newUuid,
  nowSeconds,
  type StatusReason,
  StatusSource,
  type StatusUpdateInit,
  type TaskState,
  type TaskStatus,
} from '@tandem/protocol';
import { ensureDir } from './durable-files.js';
import { appendRecords, type ReplayedUpdates, replayUpdateLog } from './update-log.js';

/** What the agent says about a task; the manager adds uuid, timestamp and source. */
export interface StatusInput {
  taskId: string;
  frameworkId: string;
  agentId: string;
  state: TaskState;
  reason?: StatusReason;
  message?: string;
  source?: StatusSource;
  exitCode?: number | null;
  containerId?: string;
  /** The task's health, when it has a health check and its state is known. */
  healthy?: boolean;
}

export interface StatusUpdateManagerOptions {
  /** The update log of a task (`updates.jsonl` in its checkpoint directory). */
  logPath: (frameworkId: string, taskId: string) => string;
  /** Resend of unacknowledged updates: `initial` doubling up to `max` (ms). */
  retry: { initialMs: number; maxMs: number };
  /** Sends one batch of updates to the master; returns false when it cannot (not registered). */
  send: (updates: StatusUpdateInit[]) => boolean;
  /** Hollow agents only: write no update logs (updates and acks live in memory). @default false */
  inMemory?: boolean;
  /** Called once a task's terminal update is acknowledged (its log holds the ack). */
  onTaskDone?: (frameworkId: string, taskId: string) => void;
  logger: Logger;
}

/** The updates of one task, delivered in order; the unacknowledged ones are all in flight. */
interface UpdateStream {
  readonly key: string;
  readonly frameworkId: string;
  readonly taskId: string;
  /** False for updates about tasks the agent cannot checkpoint (bad or duplicate ids). */
  readonly durable: boolean;
  /** Written (and fsynced) but not acknowledged, oldest first. */
  readonly pending: TaskStatus[];
  /** How many of `pending` (from the front) were sent since the last (re)send of all. */
  sent: number;
  /** A terminal update was acknowledged: the stream ends once nothing older is pending. */
  terminalAcked: boolean;
  latest: TaskStatus | undefined;
  /** Resends since the last progress (an ack, a re-registration): the retry delay's backoff attempt. */
  resends: number;
  timer: NodeJS.Timeout | undefined;
  /** Serializes this task's log writes. */
  io: Promise<void>;
  dirReady: boolean;
  done: boolean;
}

const keyOf = (frameworkId: string, taskId: string): string => `${frameworkId}/${taskId}`;

/**
 * The agent's task status update manager (Mesos' TaskStatusUpdateManager): every update
 * gets a uuid and is appended to the task's log, fsynced, before it is sent.
 *
 * Unlike Mesos, which keeps only the oldest unacknowledged update of a task in flight (so
 * RUNNING waits a whole ack round trip through the framework behind STARTING), a task's
 * updates are pipelined: each is sent as soon as it is on disk, in order, and acks may
 * come back in any order. Whatever is unacknowledged when a task's retry timer fires is
 * sent again, oldest first, with exponential backoff; the master delivers but does not
 * apply an update older than the task's state, so a resent STARTING cannot move a RUNNING
 * task back. Updates ready in the same tick go to the master in one batch. The ack of a
 * terminal update, once nothing older is pending, ends the task's stream.
 */
export class StatusUpdateManager {
  private readonly streams = new Map<string, UpdateStream>();
  private readonly byUuid = new Map<string, UpdateStream>();
  private readonly ready = new Set<UpdateStream>();
  private flushHandle: NodeJS.Immediate | undefined;
  private connected = false;
  private closed = false;
  private readonly idleWaiters = new Set<() => void>();
  private readonly log: Logger;

  constructor(private readonly options: StatusUpdateManagerOptions) {
    this.log = options.logger;
  }

  /**
   * Checkpoints an update and queues it for delivery. Resolves with the full status once
   * it is on disk. `durable: false` keeps it in memory only (for task ids that cannot
   * name a file, or a duplicate launch that must not touch the existing task's log).
   */
  async update(input: StatusInput, options: { durable?: boolean } = {}): Promise<TaskStatus> {
    if (this.closed) throw new Error('status update manager is closed');
    const durable = options.durable ?? true;
    const status: TaskStatus = {
      taskId: input.taskId,
      frameworkId: input.frameworkId,
      agentId: input.agentId,
      state: input.state,
      reason: input.reason ?? 'REASON_NONE',
      source: input.source ?? StatusSource.SOURCE_AGENT,
      message: input.message ?? '',
      uuid: newUuid(),
      timestamp: nowSeconds(),
      hasExitCode: typeof input.exitCode === 'number',
      exitCode: input.exitCode ?? 0,
      healthy: input.healthy ?? false,
      hasHealthy: input.healthy !== undefined,
      containerId: input.containerId ?? '',
    };
    const key = durable ? keyOf(input.frameworkId, input.taskId) : `transient:${status.uuid}`;
    const stream = this.streams.get(key) ?? this.newStream(key, input.frameworkId, input.taskId, durable);
    stream.latest = status;
    if (!stream.durable || this.options.inMemory) {
      // Nothing to write: no promise chain per update (hollow agents make millions).
      if (stream.done) return status;
      stream.pending.push(status);
      this.byUuid.set(status.uuid, stream);
      this.markReady(stream);
      return status;
    }
    const write = stream.io.then(async () => {
      const path = this.options.logPath(stream.frameworkId, stream.taskId);
      if (!stream.dirReady) {
        await ensureDir(dirname(path));
        stream.dirReady = true;
      }
      await appendRecords(path, [{ kind: 'update', status }]);
    });
    stream.io = write.catch((err: unknown) => {
      this.log.error({ err, taskId: status.taskId }, 'could not checkpoint a status update; sending it anyway');
    });
    await stream.io;
    if (this.closed || stream.done) return status;
    stream.pending.push(status);
    this.byUuid.set(status.uuid, stream);
    this.markReady(stream);
    return status;
  }

  /**
   * Handles an acknowledgement of any pending update of a task (acks may arrive out of
   * order). Acks for unknown uuids (never sent, or already acknowledged) are ignored.
   */
  async acknowledge(ack: { uuid: string; taskId?: string }): Promise<boolean> {
    const stream = this.byUuid.get(ack.uuid);
    const index = stream ? stream.pending.findIndex((s) => s.uuid === ack.uuid) : -1;
    const acked = stream?.pending[index];
    if (!stream || !acked) {
      this.log.debug({ uuid: ack.uuid, taskId: ack.taskId }, 'ignoring an ack for an update that is not pending');
      return false;
    }
    stream.pending.splice(index, 1);
    if (index < stream.sent) stream.sent--;
    this.byUuid.delete(ack.uuid);
    if (stream.pending.length === 0) {
      this.clearTimer(stream);
      stream.resends = 0;
      this.ready.delete(stream);
    }
    if (stream.durable && !this.options.inMemory) {
      const path = this.options.logPath(stream.frameworkId, stream.taskId);
      stream.io = stream.io
        .then(() => appendRecords(path, [{ kind: 'ack', uuid: ack.uuid }]))
        .catch((err: unknown) => this.log.error({ err, taskId: stream.taskId }, 'could not checkpoint an ack'));
      await stream.io;
    }
    if (isTerminal(acked.state)) stream.terminalAcked = true;
    if (stream.terminalAcked && stream.pending.length === 0 && !stream.done) this.finish(stream);
    if (this.idle) for (const wake of [...this.idleWaiters]) wake();
    return true;
  }

  /** Resolves once every pending update is acknowledged, or after `timeoutMs`. */
  async drain(timeoutMs: number): Promise<void> {
    if (this.idle) return;
    let wake!: () => void;
    const done = new Promise<void>((resolve) => {
      wake = resolve;
    });
    this.idleWaiters.add(wake);
    const timer = setTimeout(wake, timeoutMs);
    timer.unref();
    await done;
    clearTimeout(timer);
    this.idleWaiters.delete(wake);
  }

  /**
   * Replays a task's log after an agent restart; its unacknowledged updates are queued
   * again (sent once `resume()` is called). A task whose terminal update was acknowledged
   * gets no stream: the caller removes its checkpoint.
   */
  async recover(frameworkId: string, taskId: string): Promise<ReplayedUpdates> {
    const replayed = await replayUpdateLog(this.options.logPath(frameworkId, taskId));
    if (replayed.badLines > 0) {
      this.log.warn({ taskId, badLines: replayed.badLines }, 'skipped unreadable lines in an update log');
    }
    if (replayed.terminalAcked && replayed.pending.length === 0) return replayed;
    const key = keyOf(frameworkId, taskId);
    const stream = this.streams.get(key) ?? this.newStream(key, frameworkId, taskId, true);
    stream.dirReady = true;
    stream.latest = replayed.latest;
    stream.terminalAcked = replayed.terminalAcked;
    for (const status of replayed.pending) {
      stream.pending.push(status);
      this.byUuid.set(status.uuid, stream);
    }
    if (stream.pending.length > 0) this.markReady(stream);
    return replayed;
  }

  /**
   * The master connection is registered: (re)send every task's pending updates now. With a
   * framework id (the framework subscribed again), only that framework's.
   */
  resume(frameworkId?: string): void {
    if (frameworkId === undefined) this.connected = true;
    for (const stream of this.streams.values()) {
      if (frameworkId !== undefined && stream.frameworkId !== frameworkId) continue;
      stream.resends = 0;
      stream.sent = 0;
      this.clearTimer(stream);
      if (stream.pending.length > 0) this.markReady(stream);
    }
  }

  /** The master connection is gone: stop resending until `resume()`. */
  pause(): void {
    this.connected = false;
    for (const stream of this.streams.values()) {
      stream.sent = 0;
      this.clearTimer(stream);
    }
  }

  /** The newest update of a task, acknowledged or not. */
  latest(frameworkId: string, taskId: string): TaskStatus | undefined {
    return this.streams.get(keyOf(frameworkId, taskId))?.latest;
  }

  /** Unacknowledged updates of a task (or of all tasks), oldest first. */
  pending(frameworkId?: string, taskId?: string): TaskStatus[] {
    if (frameworkId !== undefined && taskId !== undefined) {
      return [...(this.streams.get(keyOf(frameworkId, taskId))?.pending ?? [])];
    }
    return [...this.streams.values()].flatMap((s) => s.pending);
  }

  /** True when every update written so far has been acknowledged. */
  get idle(): boolean {
    return this.byUuid.size === 0;
  }

  /** Stops every timer and waits for log writes in progress. */
  async close(): Promise<void> {
    this.closed = true;
    for (const wake of [...this.idleWaiters]) wake();
    this.connected = false;
    if (this.flushHandle) clearImmediate(this.flushHandle);
    this.flushHandle = undefined;
    this.ready.clear();
    for (const stream of this.streams.values()) this.clearTimer(stream);
    await Promise.all([...this.streams.values()].map((s) => s.io));
  }

  private newStream(key: string, frameworkId: string, taskId: string, durable: boolean): UpdateStream {
    const stream: UpdateStream = {
      key,
      frameworkId,
      taskId,
      durable,
      pending: [],
      sent: 0,
      terminalAcked: false,
      latest: undefined,
      resends: 0,
      timer: undefined,
      io: Promise.resolve(),
      dirReady: false,
      done: false,
    };
    this.streams.set(key, stream);
    return stream;
  }

  private finish(stream: UpdateStream): void {
    stream.done = true;
    this.clearTimer(stream);
    this.ready.delete(stream);
    this.streams.delete(stream.key);
    if (stream.durable) this.options.onTaskDone?.(stream.frameworkId, stream.taskId);
  }

  private clearTimer(stream: UpdateStream): void {
    if (stream.timer) clearTimeout(stream.timer);
    stream.timer = undefined;
  }

  private markReady(stream: UpdateStream): void {
    if (this.closed) return;
    this.ready.add(stream);
    this.flushHandle ??= setImmediate(() => {
      this.flushHandle = undefined;
      this.flush();
    });
  }

  private flush(): void {
    if (!this.connected || this.closed) {
      this.ready.clear();
      return;
    }
    const batch: StatusUpdateInit[] = [];
    const sent: UpdateStream[] = [];
    for (const stream of this.ready) {
      if (stream.sent >= stream.pending.length) continue;
      const latestState = stream.latest?.state;
      for (let i = stream.sent; i < stream.pending.length; i++) {
        const status = stream.pending[i] as TaskStatus;
        batch.push({ status, latestState: latestState ?? status.state });
      }
      sent.push(stream);
    }
    this.ready.clear();
    if (batch.length === 0) return;
    if (!this.options.send(batch)) return; // resume() sends them again once registered
    for (const stream of sent) {
      stream.sent = stream.pending.length;
      if (stream.timer) continue; // the retry already running covers the new ones too
      stream.resends++;
      const delay = backoffDelay(stream.resends, this.options.retry);
      stream.timer = setTimeout(() => {
        stream.timer = undefined;
        stream.sent = 0; // send every unacknowledged update again, oldest first
        this.markReady(stream);
      }, delay);
      stream.timer.unref();
    }
  }
}
