/**
 * One nats-server child process for tests: found on the machine, started with the given
 * arguments, ready once its client port answers with an INFO line, and ended with
 * SIGTERM (then SIGKILL), SIGKILL, or paused with SIGSTOP. Shared by the single-server
 * launcher (`nats.ts`) and the 3-node cluster (`nats-cluster.ts`).
 *
 * nats-server comes from Debian's `nats-server` package, installed by
 * `scripts/test-env.sh up`; `TANDEM_NATS_SERVER` names another binary. A test that cannot
 * find it fails: CI installs it.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { accessSync, constants, existsSync, readFileSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { delimiter, join } from 'node:path';

/** Servers still running: killed if the test process exits without stopping them (a crash, a timeout). */
const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

export function findNatsServer(): string {
  const explicit = process.env.TANDEM_NATS_SERVER;
  const candidates = explicit
    ? [explicit]
    : [...(process.env.PATH ?? '').split(delimiter).filter(Boolean), '/usr/sbin', '/usr/local/sbin', '/usr/bin', '/usr/local/bin'].map((d) =>
        join(d, 'nats-server'),
      );
  for (const c of candidates) {
    try {
      accessSync(c, constants.X_OK);
      return c;
    } catch {
      // not here
    }
  }
  throw new Error(
    `nats-server not found (${explicit ? `TANDEM_NATS_SERVER=${explicit} is not executable` : 'looked in PATH, /usr/sbin, /usr/local/sbin'}): run scripts/test-env.sh up (it installs Debian's nats-server) or set TANDEM_NATS_SERVER`,
  );
}

/** The server's version as `[major, minor, patch]` (`nats-server --version` prints `nats-server: v2.9.10`). */
export function natsServerVersion(bin: string): [number, number, number] {
  const out = execFileSync(bin, ['--version'], { encoding: 'utf8' });
  const m = /v(\d+)\.(\d+)\.(\d+)/.exec(out);
  if (!m) throw new Error(`${bin} --version printed no version: ${out.trim()}`);
  return [Number(m[1]), Number(m[2]), Number(m[3])];
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** Whether something on the port answers with a NATS INFO line. */
function answers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = createConnection({ host: '127.0.0.1', port });
    const done = (ok: boolean): void => {
      sock.destroy();
      resolve(ok);
    };
    sock.setTimeout(1_000, () => done(false));
    sock.once('error', () => done(false));
    sock.once('data', (d) => done(d.toString('latin1').startsWith('INFO ')));
  });
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export class NatsProcess {
  private child: ChildProcess | undefined;
  private output = '';

  /** `port` is the client port the server listens on, which `start()` waits for. */
  constructor(
    readonly bin: string,
    readonly args: readonly string[],
    readonly port: number,
  ) {}

  get running(): boolean {
    return this.child !== undefined;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** The server's last output, for a failing test's message. */
  get log(): string {
    return this.output;
  }

  /** Starts the server (a no-op when it runs); resolves once it answers on its client port. */
  async start(timeoutMs = 15_000): Promise<void> {
    if (this.child) return;
    this.output = '';
    const child = spawn(this.bin, [...this.args], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    live.add(child);
    const keep = (d: Buffer): void => {
      this.output = (this.output + d.toString('utf8')).slice(-8_000);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    let exited: string | undefined;
    child.once('exit', (code, signal) => {
      live.delete(child);
      exited = `exited (${signal ?? code})`;
      if (this.child === child) this.child = undefined;
    });
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (exited) throw new Error(`nats-server ${exited} before it answered on ${this.port}:\n${this.output}`);
      if (await answers(this.port)) return;
      if (Date.now() > deadline) {
        await this.stop();
        throw new Error(`nats-server did not answer on ${this.port} within ${timeoutMs} ms:\n${this.output}`);
      }
      await sleep(50);
    }
  }

  /** Stops the server: SIGTERM, then SIGKILL after `graceMs`. Resolves once it has exited. */
  async stop(graceMs = 5_000): Promise<void> {
    const child = this.child;
    if (!child) return;
    const gone = exitOf(child);
    child.kill('SIGCONT'); // a paused server handles SIGTERM only once resumed
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await gone;
    clearTimeout(timer);
    if (this.child === child) this.child = undefined;
  }

  /** Kills the server (SIGKILL: a crash, nothing flushed). Resolves once it has exited. */
  async kill(): Promise<void> {
    const child = this.child;
    if (!child) return;
    const gone = exitOf(child);
    child.kill('SIGKILL');
    await gone;
    if (this.child === child) this.child = undefined;
  }

  /** Freezes the server (SIGSTOP): its sockets stay open and nothing answers. Resolves once it is stopped. */
  async pause(): Promise<void> {
    const child = this.child;
    if (!child?.pid) return;
    child.kill('SIGSTOP');
    // The signal is delivered asynchronously: wait until the kernel shows it stopped (Linux).
    const stat = `/proc/${child.pid}/stat`;
    if (!existsSync(stat)) return;
    for (let i = 0; i < 200; i++) {
      const state = readFileSync(stat, 'utf8').replace(/^.*\) /s, '')[0];
      if (state === 'T' || state === 't') return;
      await sleep(5);
    }
    throw new Error(`nats-server ${child.pid} did not stop after SIGSTOP`);
  }

  /** Resumes a paused server (SIGCONT). */
  resume(): void {
    this.child?.kill('SIGCONT');
  }
}

function exitOf(child: ChildProcess): Promise<void> {
  return new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
}
