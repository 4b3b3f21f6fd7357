import { Code, isTerminal, type OperatorClient, type OperatorEvent, TandemError } from '@tandem/protocol';

/** How a followed drain ended: the agent is DRAINED, or (with mark_gone) gone. */
export type DrainEnd = 'DRAINED' | 'GONE';

/**
 * Follows an agent's drain on Operator.Watch until it is DRAINED (with `markGone`: until
 * it is gone), calling `onProgress` with how many of its tasks still run each time that
 * changes. Resolves with how it ended, or undefined when `signal` aborted first; rejects
 * when the drain ends otherwise (reactivated: ABORTED; the agent unknown: NOT_FOUND) or
 * the stream fails.
 */
export function watchDrain(
  client: OperatorClient,
  agentId: string,
  markGone: boolean,
  signal: AbortSignal,
  onProgress: (running: number) => void,
): Promise<DrainEnd | undefined> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return resolve(undefined);
    const call = client.Watch({});
    const running = new Set<string>();
    let reported = -1;
    let settled = false;
    const finish = (end: DrainEnd | undefined, err?: unknown): void => {
      if (settled) return;
      settled = true;
      signal.removeEventListener('abort', onAbort);
      call.cancel();
      if (err !== undefined) reject(TandemError.from(err));
      else resolve(end);
    };
    const onAbort = (): void => finish(undefined);
    signal.addEventListener('abort', onAbort, { once: true });
    const report = (): void => {
      if (running.size === reported) return;
      reported = running.size;
      onProgress(reported);
    };
    const drained = (): void => {
      running.clear();
      report();
      if (!markGone) finish('DRAINED');
    };
    call.on('data', (event: OperatorEvent) => {
      if (event.subscribed) {
        const agent = event.subscribed.agents.find((a) => a.info?.id === agentId);
        if (!agent) {
          if (markGone) finish('GONE');
          else finish(undefined, new TandemError(Code.NotFound, `agent ${agentId} is not in the master's state`));
          return;
        }
        for (const t of event.subscribed.tasks) if (t.info?.agentId === agentId && !isTerminal(t.state)) running.add(`${t.frameworkId}/${t.info.taskId}`);
        if (agent.status === 'AGENT_DRAINED') drained();
        else report();
      } else if (event.taskUpdated?.agentId === agentId && isTerminal(event.taskUpdated.state)) {
        running.delete(`${event.taskUpdated.frameworkId}/${event.taskUpdated.taskId}`);
        report();
      } else if (event.agentDrain?.agentId === agentId) {
        const state = event.agentDrain.drainInfo?.state;
        if (state === 'DRAIN_STATE_DRAINED') drained();
        else if (state === 'DRAIN_STATE_NONE') finish(undefined, new TandemError(Code.Aborted, `agent ${agentId} was reactivated before it drained`));
      } else if (event.agentRemoved === agentId) {
        finish('GONE');
      }
    });
    call.on('error', (err) => finish(undefined, signal.aborted ? undefined : err));
    call.on('end', () => finish(undefined, signal.aborted ? undefined : new TandemError(Code.Unavailable, 'the master ended the watch stream')));
  });
}
