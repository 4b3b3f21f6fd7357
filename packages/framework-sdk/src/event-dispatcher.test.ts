import { createLogger, type TaskStatus } from '@tandem/protocol';
import { describe, expect, it } from 'vitest';
import type { DriverState } from './driver-state.js';
import { EventDispatcher } from './event-dispatcher.js';

function status(taskId: string, uuid = `u-${taskId}`): TaskStatus {
  return { taskId, uuid, state: 'TASK_RUNNING' } as TaskStatus;
}

function dispatcher(state: DriverState = 'subscribed'): { d: EventDispatcher; acked: string[] } {
  const acked: string[] = [];
  const d = new EventDispatcher({
    log: createLogger(),
    autoAcknowledge: true,
    ack: (s) => acked.push(s.taskId),
    state: () => state,
    closed: () => Promise.resolve(undefined),
  });
  return { d, acked };
}

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

describe('event dispatcher', () => {
  it('event dispatcher - an update is acked only once its callbacks and its iterator are both done with it', async () => {
    const { d, acked } = dispatcher();
    let release!: () => void;
    d.on('update', () => new Promise<void>((r) => (release = r)));
    const it = d.updates()[Symbol.asyncIterator]();
    d.dispatch({ type: 'update', status: status('t1') });
    expect((await it.next()).value).toMatchObject({ taskId: 't1' });
    await tick();
    expect(acked).toEqual([]);
    release();
    await tick();
    expect(acked).toEqual([]); // the iterator still holds it
    d.dispatch({ type: 'update', status: status('t2') });
    await it.next();
    await tick();
    expect(acked).toEqual(['t1']);
  });

  it('event dispatcher - offers reach the events feed, the offers feed and the callbacks, in order', async () => {
    const { d } = dispatcher();
    const seen: string[] = [];
    d.on('offers', async (e) => {
      seen.push(`cb:${e.offers.length}`);
    });
    const events = d.events()[Symbol.asyncIterator]();
    const offers = d.offers()[Symbol.asyncIterator]();
    d.dispatch({ type: 'offers', offers: [] });
    d.dispatch({ type: 'heartbeat', timestamp: 1 });
    expect((await events.next()).value).toMatchObject({ type: 'offers' });
    expect((await events.next()).value).toMatchObject({ type: 'heartbeat' });
    expect((await offers.next()).value).toEqual([]);
    await tick();
    expect(seen).toEqual(['cb:0']);
  });

  it('event dispatcher - a feed has one consumer; a feed asked for after a stop ends at once', async () => {
    const { d } = dispatcher();
    d.offers();
    expect(() => d.offers()).toThrow(/single consumer/);
    const stopped = dispatcher('stopped').d;
    expect((await stopped.updates()[Symbol.asyncIterator]().next()).done).toBe(true);
  });

  it('event dispatcher - a handler that throws leaves the update unacknowledged', async () => {
    const { d, acked } = dispatcher();
    d.on('update', () => {
      throw new Error('boom');
    });
    d.dispatch({ type: 'update', status: status('t1') });
    await tick();
    expect(acked).toEqual([]);
  });
});
