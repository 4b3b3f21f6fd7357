import type { ClusterState, OperatorClient, OperatorEvent } from '@tandem/protocol';
import { Code, TandemError } from '@tandem/protocol';
import type { ClientAuth } from '../credential-flags.js';
import { DEFAULT_OPERATOR_DEADLINE_MS, unary, withOperator } from '../operator-call.js';
import { ClusterModel } from './cluster-model.js';

export interface WatchClusterOptions {
  masters: string;
  auth: ClientAuth;
  /** Ends the watch (Ctrl-C); the promise then resolves. */
  signal: AbortSignal;
  /** Called with the model after the first state and after each change (at most every `throttleMs`). */
  onChange: (model: ClusterModel) => void;
  /** @default 200 */
  throttleMs?: number;
}

/** Reads the cluster state once (Operator.GetState), following the leader. */
export function readClusterState(masters: string, auth: ClientAuth): Promise<ClusterState> {
  return withOperator(masters, (client, deadline) => unary<object, ClusterState>(client.GetState.bind(client), {}, deadline), auth);
}

/**
 * Follows the cluster on Operator.Watch (no polling): the first event is the whole state,
 * then each change is applied to a ClusterModel; an event kind the model does not know
 * makes it read the whole state again. Resolves when `signal` aborts; rejects when the
 * stream fails or the master ends it.
 */
export async function watchCluster(o: WatchClusterOptions): Promise<void> {
  const model = new ClusterModel();
  let timer: NodeJS.Timeout | undefined;
  let last = 0;
  const throttle = o.throttleMs ?? 200;
  const notify = (): void => {
    if (timer || o.signal.aborted) return;
    const wait = Math.max(0, last + throttle - Date.now());
    timer = setTimeout(() => {
      timer = undefined;
      last = Date.now();
      o.onChange(model);
    }, wait);
  };
  try {
    await withOperator(o.masters, (client) => stream(client, o, model, notify), o.auth);
  } finally {
    clearTimeout(timer);
  }
}

function stream(client: OperatorClient, o: WatchClusterOptions, model: ClusterModel, notify: () => void): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    if (o.signal.aborted) return resolve();
    const call = client.Watch({});
    // Events that come while the state is read again are applied after it (again, if it had them: harmless).
    let refetching: OperatorEvent[] | undefined;
    const onAbort = (): void => call.cancel();
    o.signal.addEventListener('abort', onAbort, { once: true });
    const done = (err?: unknown): void => {
      o.signal.removeEventListener('abort', onAbort);
      if (o.signal.aborted) resolve();
      else reject(err === undefined ? new TandemError(Code.Unavailable, 'the master ended the watch stream') : TandemError.from(err));
    };
    call.on('data', (event: OperatorEvent) => {
      if (refetching) {
        refetching.push(event);
        return;
      }
      const applied = model.apply(event);
      if (applied === 'changed') notify();
      if (applied === 'refetch') {
        refetching = [];
        unary<object, ClusterState>(client.GetState.bind(client), {}, new Date(Date.now() + DEFAULT_OPERATOR_DEADLINE_MS)).then(
          (state) => {
            const pending = refetching ?? [];
            refetching = undefined;
            model.reset(state);
            // A kind the model does not know is in the state just read: skip it here.
            for (const e of pending) model.apply(e);
            notify();
          },
          (err: unknown) => {
            call.cancel();
            done(err);
          },
        );
      }
    });
    call.on('error', (err) => done(err));
    call.on('end', () => done());
  });
}
