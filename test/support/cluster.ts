import { type ChildProcess, spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Agent, type Containerizer, DockerContainerizer, ProcessContainerizer } from '@tandem/agent';
import { type DriverOptions, type Offer, SchedulerDriver, type TaskStatus } from '@tandem/framework-sdk';
import { Master, type MasterOptions } from '@tandem/master';

export const REPO = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const CLI = join(REPO, 'packages', 'cli', 'bin', 'tandem.js');
export const TEST_IMAGE = process.env.TANDEM_TEST_IMAGE ?? 'tandem-busybox:latest';

/** Reads .tandem/test-env (written by scripts/test-env.sh up) into process.env once. */
function loadTestEnv(): void {
  const file = join(REPO, '.tandem', 'test-env');
  if (!existsSync(file)) return;
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const m = /^export ([A-Z_]+)=(.*)$/.exec(line.trim());
    if (m?.[1] && process.env[m[1]] === undefined) process.env[m[1]] = m[2]!.replace(/^['"]|['"]$/g, '');
  }
}
loadTestEnv();

/** Cleanups run in reverse order after each test (register with `track`). */
const cleanups: (() => Promise<void> | void)[] = [];
export function track(fn: () => Promise<void> | void): void {
  cleanups.push(fn);
}
export async function cleanup(): Promise<void> {
  for (const fn of cleanups.splice(0).reverse()) {
    try {
      await fn();
    } catch {
      // one failed cleanup must not hide the others
    }
  }
}

/**
 * A fresh directory under the system's temp dir, readable and searchable by everyone
 * (0755): process tasks run as the agent's task user (nobody), not root, and the tests'
 * control files and served directories live in such directories.
 */
export function tempDir(prefix = 'tandem-it-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  chmodSync(dir, 0o755);
  return dir;
}

export async function startMaster(options: MasterOptions = {}): Promise<Master> {
  const master = new Master({
    host: '127.0.0.1',
    port: 0,
    httpPort: 0,
    workDir: join(tempDir(), 'master'),
    allocationIntervalMs: 100,
    agentPingIntervalMs: 200,
    maxMissedPings: 5,
    ...options,
  });
  await master.start();
  track(() => master.stop());
  return master;
}

export interface AgentSetup {
  workDir?: string;
  hostname?: string;
  resources?: string;
  containerizers?: ('docker' | 'process')[];
  /** The address the agent dials instead of the master's own (a TcpProxy in front of it). */
  via?: string;
  /** Resend of unacknowledged updates. @default { initial: 200, max: 1000 } */
  statusRetryMs?: { initial: number; max: number };
  /** Tasks' http(s) URIs may reach 127.0.0.1 (files served by the test). @default false, as the agent */
  fetchAllowLoopback?: boolean;
}

/** Docker must answer in CI; elsewhere a docker test may skip when no engine is there. */
export async function dockerAvailable(): Promise<boolean> {
  const ok = await new DockerContainerizer().available();
  if (!ok && process.env.CI) throw new Error('no Docker Engine answers; scripts/test-env.sh up should have started one');
  return ok;
}

export async function startAgent(master: Master, setup: AgentSetup = {}): Promise<Agent> {
  const containerizers: Containerizer[] = (setup.containerizers ?? ['docker', 'process']).map((n) =>
    n === 'docker' ? new DockerContainerizer() : new ProcessContainerizer(),
  );
  const agent = new Agent({
    master: setup.via ?? master.address,
    workDir: setup.workDir ?? join(tempDir(), 'agent'),
    hostname: setup.hostname ?? 'it-host',
    resources: setup.resources ?? 'cpus:4;mem:4096;disk:4096;ports:[31000-31100]',
    containerizers,
    statusRetryMs: setup.statusRetryMs ?? { initial: 200, max: 1000 },
    reconnectBackoff: { initialMs: 100, maxMs: 500 },
    ...(setup.fetchAllowLoopback ? { fetchAllowLoopback: true } : {}),
  });
  await agent.start();
  track(() => agent.stop({ killTasks: true }));
  return agent;
}

export interface TandemProcess {
  child: ChildProcess;
  /** Everything it printed so far, stdout and stderr. */
  output(): string;
}

/** `tandem ARGS...` as a child process, killed after the test if still running. */
export function spawnTandem(args: string[], logLevel = 'warn'): TandemProcess {
  const child = spawn(process.execPath, [CLI, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, TANDEM_LOG_LEVEL: process.env.TANDEM_LOG_LEVEL ?? logLevel },
  });
  let out = '';
  const collect = (d: Buffer): void => {
    out += d.toString();
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  track(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  return { child, output: () => out };
}

/** SIGKILLs a child process and resolves once it has exited. */
export function sigkillChild(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
}

/** A `tandem agent` child process (for tests that SIGKILL it). */
export function spawnAgent(master: Master, workDir: string, extra: string[] = []): ChildProcess {
  return spawnTandem([
    'agent',
    '--master',
    master.address,
    '--work-dir',
    workDir,
    '--hostname',
    'spawned-host',
    '--port',
    '0',
    '--resources',
    'cpus:2;mem:2048;disk:2048;ports:[31200-31300]',
    ...extra,
  ]).child;
}

export async function startDriver(master: Master, options: Partial<DriverOptions> & { name?: string } = {}): Promise<SchedulerDriver> {
  const { name, ...rest } = options;
  const driver = new SchedulerDriver({
    master: master.address,
    framework: { name: name ?? 'it-framework', failoverTimeoutSeconds: 30 },
    reconnect: { initialMs: 100, maxMs: 500 },
    ...rest,
  });
  await driver.start();
  track(() => driver.stop());
  return driver;
}

/** Polls `fn` until it returns a truthy value. */
export async function waitFor<T>(fn: () => T | Promise<T>, what: string, timeoutMs = 20_000, everyMs = 50): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** Records every status update and every offer a driver sees. */
export function recorder(driver: SchedulerDriver): { updates: TaskStatus[]; offers: Offer[]; states(taskId: string): string[] } {
  const updates: TaskStatus[] = [];
  const offers: Offer[] = [];
  driver.onUpdate((s) => {
    updates.push(s);
  });
  driver.onOffers((o) => {
    offers.push(...o);
  });
  driver.onRescind((ids) => {
    for (const id of ids) {
      const i = offers.findIndex((o) => o.id === id);
      if (i >= 0) offers.splice(i, 1);
    }
  });
  return { updates, offers, states: (taskId) => updates.filter((u) => u.taskId === taskId).map((u) => u.state) };
}

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the `tandem` CLI as a child process to completion. */
export function runCli(args: string[], timeoutMs = 60_000): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, TANDEM_LOG_LEVEL: 'warn' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`tandem ${args.join(' ')} did not finish in ${timeoutMs} ms\nstdout: ${stdout}\nstderr: ${stderr}`));
    }, timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
