import { createServer } from 'node:net';
import * as grpc from '@grpc/grpc-js';
import { agentClient, SERVER_OPTIONS, tandemV1 } from '@tandem/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { ChannelGate } from './channel-gate.js';

const cleanups: (() => void | Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** A port nothing listens on (yet). */
async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  return port;
}

async function serve(port: number): Promise<grpc.Server> {
  const server = new grpc.Server(SERVER_OPTIONS);
  server.addService(tandemV1().Agent.service, { Connect: (call: grpc.ServerDuplexStream<unknown, unknown>) => call.end() });
  await new Promise<void>((resolve, reject) =>
    server.bindAsync(`127.0.0.1:${port}`, grpc.ServerCredentials.createInsecure(), (err) => (err ? reject(err) : resolve())),
  );
  cleanups.push(() => {
    server.forceShutdown();
  });
  return server;
}

describe('ChannelGate', () => {
  it('answers false while nothing listens, then lets the waiters through a few per turn once the channel is ready', async () => {
    const port = await freePort();
    const client = agentClient(`127.0.0.1:${port}`);
    cleanups.push(() => client.close());
    const gate = new ChannelGate(client.getChannel());
    const signal = new AbortController().signal;

    expect(await gate.wait(50, signal)).toBe(false);
    expect(gate.ready).toBe(false);

    // Turns of the event loop, counted by an immediate that re-queues itself.
    let turn = 0;
    let counting = true;
    const count = (): void => {
      turn++;
      if (counting) setImmediate(count);
    };
    setImmediate(count);
    cleanups.push(() => {
      counting = false;
    });

    const turns: number[] = [];
    const waiters = Array.from({ length: 30 }, () => gate.wait(60_000, new AbortController().signal).then((ready) => (ready ? turns.push(turn) : undefined)));
    await serve(port);
    await Promise.all(waiters);
    expect(turns).toHaveLength(30);
    expect(gate.ready).toBe(true);
    const perTurn = new Map<number, number>();
    for (const t of turns) perTurn.set(t, (perTurn.get(t) ?? 0) + 1);
    expect(Math.max(...perTurn.values())).toBeLessThanOrEqual(8);
    expect(perTurn.size).toBeGreaterThanOrEqual(4);
    // Ready and nobody queued: no wait at all.
    expect(await gate.wait(0, signal)).toBe(true);
  });

  it('answers false when aborted or when the channel is closed', async () => {
    const client = agentClient(`127.0.0.1:${await freePort()}`);
    const gate = new ChannelGate(client.getChannel());
    const abort = new AbortController();
    const aborted = gate.wait(60_000, abort.signal);
    abort.abort();
    expect(await aborted).toBe(false);
    const closed = gate.wait(60_000, new AbortController().signal);
    client.close();
    expect(await closed).toBe(false);
  });
});
