import { createServer, type Server, type Socket, connect as tcpConnect } from 'node:net';

/**
 * What the proxy does with a connection's bytes:
 * - forward: pass them on (after `delayMs`, if set);
 * - blackhole: accept them and drop them (a partition where packets vanish: neither end
 *   learns anything until its own timeouts fire).
 */
type Mode = 'forward' | 'blackhole';

/** One accepted connection and its upstream (absent while blackholed from the start). */
interface Link {
  client: Socket;
  upstream: Socket | undefined;
  /** Bytes were dropped: the byte streams are broken, so healing cuts the link rather than resuming it. */
  broken: boolean;
  /** Chunks waiting out the delay, per direction, in order. */
  queues: { up: Pending[]; down: Pending[] };
  timers: { up: NodeJS.Timeout | undefined; down: NodeJS.Timeout | undefined };
}

interface Pending {
  due: number;
  chunk: Buffer;
}

/**
 * A fault-injecting TCP proxy for tests: listens on 127.0.0.1 port 0 and forwards every
 * connection to `target` (`host:port`). Faults:
 * - `cut()`: resets every current connection (both ends see the connection die);
 * - `refuse()`: new connections are reset as soon as they are accepted;
 * - `blackhole()`: current and new connections stay open but every byte is dropped;
 * - `delay(ms)`: every chunk is forwarded `ms` later (order kept);
 * - `heal()`: forwarding again, no delay; connections that lost bytes while blackholed are
 *   cut (their streams cannot resume), so the ends reconnect through the healed proxy.
 * `close()` stops listening and cuts everything; nothing is left open.
 */
export class TcpProxy {
  private readonly links = new Set<Link>();
  private mode: Mode = 'forward';
  private refusing = false;
  private delayMs = 0;
  private closed = false;

  private constructor(
    private readonly server: Server,
    private readonly targetHost: string,
    private readonly targetPort: number,
    readonly port: number,
  ) {}

  /** Starts a proxy to `target` (`host:port`) on a free port of 127.0.0.1. */
  static async start(target: string): Promise<TcpProxy> {
    const m = /^(.*):(\d+)$/.exec(target);
    if (!m?.[1] || !m[2]) throw new Error(`tcp-proxy: target must be host:port, got ${JSON.stringify(target)}`);
    const host = m[1];
    const targetPort = Number(m[2]);
    let proxy: TcpProxy | undefined;
    const server = createServer({ noDelay: true }, (client) => proxy?.accept(client));
    const port = await new Promise<number>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => {
        const address = server.address();
        resolve(typeof address === 'object' && address ? address.port : 0);
      });
    });
    proxy = new TcpProxy(server, host, targetPort, port);
    return proxy;
  }

  /** `127.0.0.1:<port>`: what the client dials instead of the target. */
  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  /** Connections open now. */
  get connections(): number {
    return this.links.size;
  }

  /** Resets every current connection; new ones are accepted as before. */
  cut(): void {
    for (const link of [...this.links]) this.drop(link);
  }

  /** Resets every new connection at once (current ones are left alone: `cut()` them too for a full partition). */
  refuse(): void {
    this.refusing = true;
  }

  /** Drops every byte of current and new connections, both ways; the connections stay open. */
  blackhole(): void {
    this.mode = 'blackhole';
    for (const link of this.links) {
      for (const dir of ['up', 'down'] as const) {
        clearTimeout(link.timers[dir]);
        link.timers[dir] = undefined;
        if (link.queues[dir].length > 0) link.broken = true;
        link.queues[dir] = [];
      }
    }
  }

  /** Forwards every chunk `ms` later, in order (0: at once). */
  delay(ms: number): void {
    this.delayMs = Math.max(0, ms);
  }

  /** Back to plain forwarding: no refusal, no delay; links that lost bytes are cut. */
  heal(): void {
    this.mode = 'forward';
    this.refusing = false;
    this.delayMs = 0;
    for (const link of [...this.links]) if (link.broken) this.drop(link);
  }

  /** Stops listening and resets every connection. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.cut();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(client: Socket): void {
    if (this.closed || this.refusing) {
      reset(client);
      return;
    }
    const link: Link = { client, upstream: undefined, broken: false, queues: { up: [], down: [] }, timers: { up: undefined, down: undefined } };
    this.links.add(link);
    client.on('error', () => this.drop(link));
    client.on('close', () => this.drop(link));
    client.on('data', (chunk: Buffer) => this.pass(link, 'up', chunk));
    if (this.mode === 'blackhole') {
      // Packets vanish: there is no upstream to reach.
      link.broken = true;
      return;
    }
    this.connectUpstream(link);
  }

  private connectUpstream(link: Link): void {
    const upstream = tcpConnect({ host: this.targetHost, port: this.targetPort, noDelay: true });
    link.upstream = upstream;
    upstream.on('error', () => this.drop(link));
    upstream.on('close', () => this.drop(link));
    upstream.on('data', (chunk: Buffer) => this.pass(link, 'down', chunk));
  }

  /** Moves one chunk toward the other end, or drops it. */
  private pass(link: Link, dir: 'up' | 'down', chunk: Buffer): void {
    if (this.mode === 'blackhole' || !link.upstream) {
      link.broken = true;
      return;
    }
    if (this.delayMs === 0 && link.queues[dir].length === 0) {
      this.write(link, dir, chunk);
      return;
    }
    link.queues[dir].push({ due: Date.now() + this.delayMs, chunk });
    this.arm(link, dir);
  }

  private arm(link: Link, dir: 'up' | 'down'): void {
    if (link.timers[dir]) return;
    const head = link.queues[dir][0];
    if (!head) return;
    link.timers[dir] = setTimeout(
      () => {
        link.timers[dir] = undefined;
        const now = Date.now();
        const queue = link.queues[dir];
        while (queue[0] && queue[0].due <= now) this.write(link, dir, queue.shift()!.chunk);
        this.arm(link, dir);
      },
      Math.max(0, head.due - Date.now()),
    );
  }

  private write(link: Link, dir: 'up' | 'down', chunk: Buffer): void {
    const to = dir === 'up' ? link.upstream : link.client;
    if (to && !to.destroyed) to.write(chunk);
  }

  private drop(link: Link): void {
    if (!this.links.delete(link)) return;
    clearTimeout(link.timers.up);
    clearTimeout(link.timers.down);
    reset(link.client);
    if (link.upstream) reset(link.upstream);
  }
}

/** Ends a socket with a TCP reset where Node can send one, else destroys it. */
function reset(socket: Socket): void {
  if (socket.destroyed) return;
  if (typeof socket.resetAndDestroy === 'function' && socket.readyState !== 'opening') socket.resetAndDestroy();
  else socket.destroy();
}
