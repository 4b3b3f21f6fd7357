/**
 * Starts a real nats-server with JetStream for a test file, in the style of nats.js'
 * `nst/` launcher: `nats-server -js -sd <dir> -p <free port> -a 127.0.0.1`, ready once it
 * answers a connection with its INFO line, stopped with SIGTERM (then SIGKILL) so that
 * nothing is left behind. The store directory survives `stop()`, so `start()` again
 * restarts the same server on the same data and port. The process handling is
 * `nats-process.ts`'s (shared with the 3-node cluster, `nats-cluster.ts`).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findNatsServer, freePort, NatsProcess } from './nats-process.js';

export { findNatsServer, freePort } from './nats-process.js';

export class NatsServer {
  private readonly process: NatsProcess;

  private constructor(
    readonly bin: string,
    readonly port: number,
    readonly storeDir: string,
  ) {
    this.process = new NatsProcess(bin, ['-js', '-sd', storeDir, '-p', String(port), '-a', '127.0.0.1'], port);
  }

  /** Starts a server on a free port and a new store directory. */
  static async start(): Promise<NatsServer> {
    const server = new NatsServer(findNatsServer(), await freePort(), mkdtempSync(join(tmpdir(), 'tandem-nats-')));
    await server.start();
    return server;
  }

  get url(): string {
    return `nats://127.0.0.1:${this.port}`;
  }

  get running(): boolean {
    return this.process.running;
  }

  /** (Re)starts the server on this port and store directory; resolves once it answers. */
  start(timeoutMs = 15_000): Promise<void> {
    return this.process.start(timeoutMs);
  }

  /** Stops the server: SIGTERM, then SIGKILL after `graceMs`. Resolves once it has exited. */
  stop(graceMs = 5_000): Promise<void> {
    return this.process.stop(graceMs);
  }

  /** Freezes the server (SIGSTOP): its sockets stay open and nothing answers. Resolves once it is stopped. */
  pause(): Promise<void> {
    return this.process.pause();
  }

  resume(): void {
    this.process.resume();
  }

  /** Stops the server and removes its store directory. */
  async dispose(): Promise<void> {
    await this.stop();
    rmSync(this.storeDir, { recursive: true, force: true });
  }

  /** The server's last output, for a failing test's message. */
  get log(): string {
    return this.process.log;
  }
}
