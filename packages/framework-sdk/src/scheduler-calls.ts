import {
  type CallResponse,
  Code,
  type FiltersInit,
  type Logger,
  type OperationInit,
  type SchedulerCallInit,
  type SchedulerClient,
  TandemError,
  type TaskInfoInit,
} from '@tandem/protocol';
import { AcceptBatcher } from './accept-batcher.js';
import { AckBatcher } from './ack-batcher.js';
import type { DriverState } from './driver-state.js';

type CallBody = Omit<SchedulerCallInit, 'frameworkId' | 'streamId'>;

/** A task to reconcile; without `agentId` the master looks it up. */
export interface ReconcileTarget {
  taskId: string;
  agentId?: string;
}

export interface SchedulerCallsOptions {
  /** The client of the master the subscription is on now. */
  client(): SchedulerClient;
  callTimeoutMs: number;
  /**
   * A call was refused by a master that no longer leads (UNAVAILABLE naming the leader),
   * on `client`. The call is not retried there: the leader does not know this stream id
   * until the driver re-subscribes with it, so the call fails UNAVAILABLE (callers retry
   * such failures) and the subscription is moved to the leader.
   */
  onNotLeader(err: TandemError, client: SchedulerClient): void;
  log: Logger;
  /** Who is calling now: a call needs a subscription (or a stop that is flushing). */
  caller(): { state: DriverState; frameworkId: string | undefined; streamId: string | undefined; everSubscribed: boolean };
}

/**
 * The unary Scheduler calls, each carrying the framework id and current stream id, to the
 * master the subscription is on. The accepts of one event-loop turn travel as one
 * ACCEPT_MANY, and acknowledgements are batched the same way.
 */
export class SchedulerCalls {
  readonly acks: AckBatcher;
  readonly accepts: AcceptBatcher;

  constructor(private readonly options: SchedulerCallsOptions) {
    this.acks = new AckBatcher({
      logger: options.log,
      send: async (acks) => {
        await this.call({ acknowledge: { acks } });
      },
    });
    this.accepts = new AcceptBatcher({
      logger: options.log,
      sendOne: async (accept) => (await this.call({ accept })).launched,
      sendMany: async (accepts) => (await this.call({ acceptMany: { accepts } })).accepts,
    });
  }

  /** Queues an accept for this turn's batch; resolves with the number of tasks it launched. */
  accept(offerIds: string | readonly string[], operations: OperationInit[], filters: FiltersInit | undefined): Promise<number> {
    return this.accepts.add({ offerIds: toList(offerIds), operations, ...(filters ? { filters } : {}) });
  }

  async decline(offerIds: string | readonly string[], refuseSeconds: number | undefined): Promise<void> {
    const filters = refuseSeconds === undefined ? undefined : { refuseSeconds };
    await this.call({ decline: { offerIds: toList(offerIds), ...(filters ? { filters } : {}) } });
  }

  async kill(taskId: string, agentId: string | undefined, gracePeriodSeconds: number | undefined): Promise<void> {
    await this.call({
      kill: {
        tasks: [
          {
            taskId,
            agentId: agentId ?? '',
            ...(gracePeriodSeconds === undefined ? {} : { killPolicy: { gracePeriodSeconds } }),
          },
        ],
      },
    });
  }

  async reconcile(tasks: readonly ReconcileTarget[]): Promise<void> {
    await this.call({ reconcile: { tasks: tasks.map((t) => ({ taskId: t.taskId, agentId: t.agentId ?? '' })) } });
  }

  async call(body: CallBody): Promise<CallResponse> {
    const { state, frameworkId, streamId, everSubscribed } = this.options.caller();
    if ((state !== 'subscribed' && state !== 'stopping') || !frameworkId || !streamId || !everSubscribed) {
      throw new TandemError(Code.Unavailable, `scheduler driver is ${state}, not subscribed`);
    }
    const request: SchedulerCallInit = { frameworkId, streamId, ...body };
    const client = this.options.client();
    return new Promise<CallResponse>((resolve, reject) => {
      client.Call(request, { deadline: Date.now() + this.options.callTimeoutMs }, (err, response) => {
        if (!err) {
          resolve(response ?? { launched: 0, accepts: [] });
          return;
        }
        const e = TandemError.from(err);
        if (e.leader !== undefined) this.options.onNotLeader(e, client);
        reject(e);
      });
    });
  }
}

/** One or many, as a list. */
export function toList<T>(x: T | readonly T[]): T[] {
  return Array.isArray(x) ? [...(x as readonly T[])] : [x as T];
}

/** The work of an accept: operations, or tasks to launch. */
export function operationsOf(work: readonly OperationInit[] | readonly TaskInfoInit[]): OperationInit[] {
  const first = work[0];
  return first !== undefined && 'launch' in first ? [...(work as readonly OperationInit[])] : [{ launch: { tasks: [...(work as readonly TaskInfoInit[])] } }];
}
