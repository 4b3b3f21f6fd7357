import { Code, isTerminal, type OperatorClient, type OperatorEvent, type ReadTaskLogResponse, TandemError, type TaskState } from '@tandem/protocol';
import { DEFAULT_OPERATOR_DEADLINE_MS, unary } from './operator-call.js';
import { LOG_CHUNK_BYTES } from './read-task-log.js';

/** How often a followed log is read again while its task runs and nothing new came. */
export const DEFAULT_FOLLOW_POLL_MS = 500;

export interface FollowTaskLogOptions {
  taskId: string;
  name: 'stdout' | 'stderr';
  write: (data: Uint8Array) => void;
  /** The byte to start at (what an earlier, interrupted follow already wrote). @default 0 */
  offset?: number;
  /** Ctrl-C: stop following (resolves). */
  signal: AbortSignal;
  /** @default DEFAULT_FOLLOW_POLL_MS */
  pollMs?: number;
}

/**
 * Follows a task's log like `tail -f`: writes what is there, then what is appended, until
 * the task ends (its terminal state, told by Operator.Watch, not polled) and the last
 * bytes are written. Resolves with the terminal state, or undefined when `signal` aborted.
 */
export async function followTaskLog(client: OperatorClient, o: FollowTaskLogOptions): Promise<TaskState | undefined> {
  const watch = new AbortController();
  const stopWatch = (): void => watch.abort();
  o.signal.addEventListener('abort', stopWatch, { once: true });
  let ended: TaskState | undefined;
  let failed: unknown;
  let wake: (() => void) | undefined;
  // Whether the master has the task (its state, or an event of it, came); undefined until the first state.
  let known: boolean | undefined;
  const taskEnd = watchTaskEnd(client, o.taskId, watch.signal, (k) => {
    known = k;
  }).then(
    (state) => {
      ended = state;
      wake?.();
    },
    (err: unknown) => {
      failed = err;
      wake?.();
    },
  );
  let offset = o.offset ?? 0;
  try {
    for (;;) {
      if (o.signal.aborted) return undefined;
      if (failed !== undefined) throw failed;
      const endedBefore = ended;
      let res: ReadTaskLogResponse | undefined;
      try {
        res = await unary(
          client.ReadTaskLog.bind(client),
          { taskId: o.taskId, name: o.name, offset, length: LOG_CHUNK_BYTES },
          new Date(Date.now() + DEFAULT_OPERATOR_DEADLINE_MS),
        );
      } catch (err) {
        const e = TandemError.from(err);
        // Not launched yet, or its agent is briefly away: try again while the task lives
        // (a task the master does not have at all is not waited for).
        const transient = e.leader === undefined && (e.code === Code.Unavailable || (e.code === Code.NotFound && known !== false));
        if (!transient || endedBefore !== undefined) throw e;
      }
      const got = res?.data.length ?? 0;
      if (res && got > 0) {
        o.write(res.data);
        offset = res.offset + got;
      }
      if (got === LOG_CHUNK_BYTES) continue; // more is there already
      // Ended before this read began: the read saw the whole log.
      if (endedBefore !== undefined) return endedBefore;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, o.pollMs ?? DEFAULT_FOLLOW_POLL_MS);
        function done(): void {
          clearTimeout(timer);
          wake = undefined;
          o.signal.removeEventListener('abort', done);
          resolve();
        }
        wake = done;
        o.signal.addEventListener('abort', done, { once: true });
      });
    }
  } finally {
    o.signal.removeEventListener('abort', stopWatch);
    watch.abort();
    await taskEnd;
  }
}

/**
 * Resolves with the task's terminal state once Operator.Watch tells it (at once when the
 * master's state has it finished already), or undefined when `signal` aborts first.
 * `onKnown` hears whether the master has the task: from its first state, then true at
 * the first event of it.
 */
export function watchTaskEnd(
  client: OperatorClient,
  taskId: string,
  signal: AbortSignal,
  onKnown: (known: boolean) => void = () => {},
): Promise<TaskState | undefined> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return resolve(undefined);
    const call = client.Watch({});
    let settled = false;
    const finish = (state: TaskState | undefined, err?: unknown): void => {
      if (settled) return;
      settled = true;
      signal.removeEventListener('abort', onAbort);
      call.cancel();
      if (err !== undefined) reject(TandemError.from(err));
      else resolve(state);
    };
    const onAbort = (): void => finish(undefined);
    signal.addEventListener('abort', onAbort, { once: true });
    call.on('data', (event: OperatorEvent) => {
      if (event.subscribed) {
        const s = event.subscribed;
        const task = [...s.completedTasks, ...s.tasks].find((t) => (t.info?.taskId ?? t.status?.taskId) === taskId);
        onKnown(task !== undefined);
        if (task && isTerminal(task.state)) finish(task.state);
      } else if (event.taskAdded?.info?.taskId === taskId) {
        onKnown(true);
      } else if (event.taskUpdated?.taskId === taskId) {
        onKnown(true);
        if (isTerminal(event.taskUpdated.state)) finish(event.taskUpdated.state);
      }
    });
    call.on('error', (err) => finish(undefined, signal.aborted ? undefined : err));
    call.on('end', () => finish(undefined, signal.aborted ? undefined : new TandemError(Code.Unavailable, 'the master ended the watch stream')));
  });
}
