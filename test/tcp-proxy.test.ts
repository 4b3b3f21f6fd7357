import { createServer, type Server, type Socket, connect as tcpConnect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, track, waitFor } from './support/cluster.js';
import { TcpProxy } from './support/tcp-proxy.js';

// The fault-injecting proxy the partition and fault tests use, against a real echo server.

afterEach(cleanup);

async function echoServer(): Promise<{ server: Server; port: number }> {
  const sockets = new Set<Socket>();
  const server = createServer((s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => undefined);
    s.pipe(s);
  });
  const port = await new Promise<number>((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port)));
  track(
    () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  );
  return { server, port };
}

async function startProxy(): Promise<TcpProxy> {
  const { port } = await echoServer();
  const proxy = await TcpProxy.start(`127.0.0.1:${port}`);
  track(() => proxy.close());
  return proxy;
}

/** A client through the proxy that collects what comes back and whether it was closed. */
function client(proxy: TcpProxy) {
  const socket = tcpConnect({ host: '127.0.0.1', port: proxy.port });
  let received = '';
  let closed = false;
  socket.on('data', (d: Buffer) => {
    received += d.toString();
  });
  socket.on('error', () => undefined);
  socket.on('close', () => {
    closed = true;
  });
  track(() => {
    socket.destroy();
  });
  return { socket, received: () => received, closed: () => closed };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('tcp proxy', () => {
  it('tcp-proxy - forwards both ways', async () => {
    const proxy = await startProxy();
    const c = client(proxy);
    c.socket.write('hello');
    await waitFor(() => c.received() === 'hello', 'the echo');
    expect(proxy.connections).toBe(1);
  });

  it('tcp-proxy - cut resets current connections; new ones still pass', async () => {
    const proxy = await startProxy();
    const a = client(proxy);
    a.socket.write('a');
    await waitFor(() => a.received() === 'a', 'the first echo');
    proxy.cut();
    await waitFor(() => a.closed(), 'the cut connection closed');
    const b = client(proxy);
    b.socket.write('b');
    await waitFor(() => b.received() === 'b', 'an echo on a new connection');
  });

  it('tcp-proxy - refuse closes new connections and leaves current ones; heal lets new ones in', async () => {
    const proxy = await startProxy();
    const a = client(proxy);
    a.socket.write('a');
    await waitFor(() => a.received() === 'a', 'the first echo');
    proxy.refuse();
    const b = client(proxy);
    await waitFor(() => b.closed(), 'the new connection refused');
    a.socket.write('again');
    await waitFor(() => a.received() === 'aagain', 'the current connection still passes');
    proxy.heal();
    const c = client(proxy);
    c.socket.write('c');
    await waitFor(() => c.received() === 'c', 'an echo after heal');
  });

  it('tcp-proxy - blackhole drops bytes on open connections; heal cuts those and new ones pass', async () => {
    const proxy = await startProxy();
    const a = client(proxy);
    a.socket.write('a');
    await waitFor(() => a.received() === 'a', 'the first echo');
    proxy.blackhole();
    a.socket.write('lost');
    const b = client(proxy);
    b.socket.write('lost too');
    await sleep(300);
    expect(a.received()).toBe('a');
    expect(b.received()).toBe('');
    expect(a.closed() || b.closed()).toBe(false);
    proxy.heal();
    await waitFor(() => a.closed() && b.closed(), 'the connections that lost bytes cut');
    const c = client(proxy);
    c.socket.write('c');
    await waitFor(() => c.received() === 'c', 'an echo after heal');
  });

  it('tcp-proxy - delay holds every chunk back, in order', async () => {
    const proxy = await startProxy();
    proxy.delay(400);
    const c = client(proxy);
    const sent = Date.now();
    for (const part of ['1', '2', '3']) c.socket.write(part);
    await waitFor(() => c.received() === '123', 'the delayed echo');
    // Delayed on the way up and on the way back.
    expect(Date.now() - sent).toBeGreaterThanOrEqual(790);
  });

  it('tcp-proxy - close leaves no connection open', async () => {
    const proxy = await startProxy();
    const c = client(proxy);
    c.socket.write('x');
    await waitFor(() => c.received() === 'x', 'the echo');
    await proxy.close();
    await waitFor(() => c.closed(), 'the client closed');
    expect(proxy.connections).toBe(0);
  });
});
