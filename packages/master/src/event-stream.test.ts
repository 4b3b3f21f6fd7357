import { connect } from 'node:net';
import type { OperatorEventInit } from '@tandem/protocol';
import Fastify from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { EventStreams, operatorEventJson, operatorEventKind } from './event-stream.js';
import type { MasterOperations } from './master-operations.js';

// The SSE event stream's own rules, on a real HTTP server and real sockets, with a stand-in
// for the master's watch (what the stream is fed is not what is tested here).

type Listener = (e: OperatorEventInit) => void;

function fakeMaster() {
  const watchers = new Map<Listener, () => void>();
  const master = {
    masterId: 'm-test',
    auth: { acls: { configured: false } },
    frameworks: new Map(),
    watch(listener: Listener, onEnd: () => void) {
      watchers.set(listener, onEnd);
      return () => watchers.delete(listener);
    },
  };
  return {
    master: master as unknown as MasterOperations,
    emit: (e: OperatorEventInit) => {
      for (const w of watchers.keys()) w(e);
    },
    watchers,
  };
}

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0).reverse()) await c();
});

async function serve(streams: EventStreams): Promise<number> {
  const app = Fastify();
  streams.routes(app);
  await app.listen({ host: '127.0.0.1', port: 0 });
  closers.push(async () => {
    streams.closeAll();
    await app.close();
  });
  return (app.server.address() as { port: number }).port;
}

describe('event stream', () => {
  it('event stream - kinds are the oneof names in snake_case; payloads are JSON with bytes as base64', () => {
    expect(operatorEventKind({ taskUpdated: { taskId: 't' } as never })).toBe('task_updated');
    expect(operatorEventKind({ agentUnreachable: undefined, frameworkRemoved: 'f1' })).toBe('framework_removed');
    expect(operatorEventKind({})).toBeUndefined();
    const json = operatorEventJson({ taskAdded: { info: { data: new Uint8Array([104, 105]) } } as never }, 'task_added');
    expect(JSON.parse(json)).toEqual({ info: { data: 'aGk=' } });
  });

  it('event stream - a client that stops reading is dropped past its buffer while a reading one gets every event; the emitter never waits', async () => {
    const { master, emit, watchers } = fakeMaster();
    const streams = new EventStreams(master, undefined, 60_000, 256 * 1024);
    const port = await serve(streams);

    // The slow one: asks, then never reads a byte.
    const slow = connect(port, '127.0.0.1');
    slow.pause();
    slow.write('GET /api/v1/events HTTP/1.1\r\nhost: x\r\n\r\n');
    closers.push(async () => void slow.destroy());
    // The reading one counts what it gets.
    const res = await fetch(`http://127.0.0.1:${port}/api/v1/events`);
    const reader = res.body!.getReader();
    // Complete frames of framework_removed seen so far (the bytes are not kept: 24 MiB).
    let got = 0;
    let pending = '';
    const decoder = new TextDecoder();
    const reading = (async () => {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        const frames = (pending + decoder.decode(value, { stream: true })).split('\n\n');
        pending = frames.pop() ?? '';
        got += frames.filter((f) => f.startsWith('event: framework_removed')).length;
      }
    })();
    await expect.poll(() => watchers.size).toBe(2);

    const big = 'x'.repeat(16 * 1024);
    const events = 1_500; // 24 MiB: more than any socket buffer holds
    for (let i = 0; i < events; i++) {
      emit({ frameworkRemoved: `${i}-${big}` });
      // Paced by the reading client (4 events at a time), so that only the one that does not read falls behind.
      if (i % 4 === 3) while (got < i + 1) await new Promise((r) => setImmediate(r));
    }
    expect(streams.dropped).toBe(1);
    expect(watchers.size).toBe(1);
    expect(got).toBe(events);
    await reader.cancel();
    await reading.catch(() => {});
  });

  it('event stream - an idle stream gets a heartbeat event every interval', async () => {
    const { master } = fakeMaster();
    const streams = new EventStreams(master, undefined, 50);
    const port = await serve(streams);
    const res = await fetch(`http://127.0.0.1:${port}/api/v1/events`);
    const reader = res.body!.getReader();
    let text = '';
    while ((text.match(/event: heartbeat\ndata: \d/g) ?? []).length < 2) text += new TextDecoder().decode((await reader.read()).value);
    await reader.cancel();
    expect(text.startsWith('retry: 2000\nevent: hello')).toBe(true);
  });

  it('event stream - closeAll ends every open stream', async () => {
    const { master } = fakeMaster();
    const streams = new EventStreams(master);
    const port = await serve(streams);
    const res = await fetch(`http://127.0.0.1:${port}/api/v1/events`);
    const text = res.text();
    await expect.poll(() => streams.size).toBe(1);
    streams.closeAll();
    expect(await text).toMatch(/^retry: 2000\nevent: hello\ndata: \{"masterId":"m-test"/);
    expect(streams.size).toBe(0);
  });
});
