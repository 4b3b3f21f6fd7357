import type { OperatorEventInit } from '@tandem/protocol';
import { describe, expect, it } from 'vitest';
import { EventPublisher, type EventSink } from './event-publisher.js';

/** A sink whose flushes resolve only when the test says (a slow NATS). */
function slowSink(): EventSink & { sent: { subject: string; data: string }[]; release(): void; failing: boolean } {
  let waiting: (() => void)[] = [];
  const sink = {
    sent: [] as { subject: string; data: string }[],
    failing: false,
    publish(subject: string, data: string) {
      if (sink.failing) throw new Error('connection closed');
      sink.sent.push({ subject, data });
    },
    flush: () => new Promise<void>((resolve) => waiting.push(resolve)),
    release() {
      const w = waiting;
      waiting = [];
      for (const r of w) r();
    },
  };
  return sink;
}

const update = (taskId: string): OperatorEventInit => ({ taskUpdated: { taskId, state: 'TASK_RUNNING', frameworkId: 'f1', agentId: 'a1', message: 'up' } });

describe('EventPublisher - operator events on NATS subjects', () => {
  it('publishes each event on tandem.events.<kind> with its payload as JSON', async () => {
    const sink = slowSink();
    const p = new EventPublisher(sink);
    p.offer(update('t1'));
    p.offer({ agentRemoved: 'a9' });
    p.offer({ heartbeat: 1 });
    sink.release();
    await new Promise((r) => setImmediate(r));
    expect(sink.sent.map((s) => s.subject)).toEqual(['tandem.events.task_updated', 'tandem.events.agent_removed']);
    const body = JSON.parse(sink.sent[0]!.data);
    expect(body).toMatchObject({ taskId: 't1', state: 'TASK_RUNNING', message: 'up' });
    expect(JSON.parse(sink.sent[1]!.data)).toBe('a9');
    expect(p.published.get('task_updated')).toBe(1);
    const stopping = p.stop();
    sink.release();
    await stopping;
  });

  it('stop() hands over what is buffered when NATS answers, and gives the rest up after its wait when it does not', async () => {
    const sent: string[] = [];
    const quick = new EventPublisher({ publish: (subject) => sent.push(subject), flush: () => new Promise((r) => setImmediate(r)) });
    for (let i = 0; i < 1200; i++) quick.offer(update(`q${i}`));
    await quick.stop();
    expect(sent).toHaveLength(1200);
    expect(quick.dropped.size).toBe(0);
    const stuck = new EventPublisher(slowSink());
    for (let i = 0; i < 5; i++) stuck.offer(update(`s${i}`));
    await stuck.stop(50);
    expect(stuck.published.get('task_updated')).toBe(1);
    expect(stuck.dropped.get('task_updated')).toBe(4);
    stuck.offer(update('after'));
    expect(stuck.buffered).toBe(0);
  });

  it('drops and counts what finds the buffer full while NATS is slow, and never throws', async () => {
    const sink = slowSink();
    const p = new EventPublisher(sink, { maxBuffered: 3 });
    p.offer(update('first')); // handed to the client at once; the pump then waits on its flush
    for (let i = 0; i < 10; i++) p.offer(update(`t${i}`));
    expect(p.buffered).toBe(3);
    expect(p.dropped.get('task_updated')).toBe(7);
    sink.release();
    await new Promise((r) => setImmediate(r));
    expect(sink.sent.map((s) => JSON.parse(s.data).taskId)).toEqual(['first', 't0', 't1', 't2']);
    sink.failing = true;
    sink.release();
    expect(() => p.offer(update('refused'))).not.toThrow();
    await new Promise((r) => setImmediate(r));
    expect(p.dropped.get('task_updated')).toBe(8);
    sink.release();
    await p.stop(100);
  });
});
