import type { AckInit } from '@tandem/protocol';
import { describe, expect, it } from 'vitest';
import { AckBatcher } from './ack-batcher.js';

const ack = (uuid: string): AckInit => ({ agentId: 'a1', taskId: `t-${uuid}`, uuid, frameworkId: 'f1' });

describe('AckBatcher', () => {
  it('ack batching - sends the acks of one tick in one call', async () => {
    const calls: AckInit[][] = [];
    const b = new AckBatcher({ send: async (acks) => void calls.push(acks) });
    b.add(ack('1'));
    b.add(ack('2'));
    b.add(ack('3'));
    expect(calls).toHaveLength(0);
    await new Promise((r) => setImmediate(r));
    expect(calls).toHaveLength(1);
    expect(calls[0]?.map((a) => a.uuid)).toEqual(['1', '2', '3']);
    b.add(ack('4'));
    await b.flush();
    expect(calls).toHaveLength(2);
  });

  it('ack batching - sends a duplicate uuid once and splits at maxBatch', async () => {
    const calls: AckInit[][] = [];
    const b = new AckBatcher({ maxBatch: 2, send: async (acks) => void calls.push(acks) });
    for (const u of ['1', '1', '2', '3']) b.add(ack(u));
    await b.flush();
    expect(calls.map((c) => c.map((a) => a.uuid))).toEqual([['1', '2'], ['3']]);
  });

  it('ack batching - flush waits for batches in flight; a failed send is logged, not thrown', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let sent = 0;
    const b = new AckBatcher({
      send: async () => {
        await gate;
        sent += 1;
        throw new Error('master gone');
      },
    });
    b.add(ack('1'));
    await new Promise((r) => setImmediate(r));
    let flushed = false;
    const f = b.flush().then(() => (flushed = true));
    await new Promise((r) => setTimeout(r, 10));
    expect(flushed).toBe(false);
    release();
    await f;
    expect(sent).toBe(1);
  });

  it('ack batching - drops acks after close and leaves no timer', async () => {
    const calls: AckInit[][] = [];
    const b = new AckBatcher({ send: async (acks) => void calls.push(acks) });
    b.add(ack('1'));
    await b.close();
    b.add(ack('2'));
    await new Promise((r) => setImmediate(r));
    expect(calls.flat().map((a) => a.uuid)).toEqual(['1']);
    expect(b.size).toBe(0);
  });
});
