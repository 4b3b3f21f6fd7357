// Shared pieces of the benchmarks: flags, a master in a child process, hollow agents via
// `tandem hollow`, a framework that launches tasks and times them, percentiles.
import { fork, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { SchedulerDriver, taskInfo } from '@tandem/framework-sdk';
import { isTerminal } from '@tandem/protocol';

process.env.TANDEM_LOG_LEVEL ??= 'error';
export const REPO = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const CLI = join(REPO, 'packages', 'cli', 'bin', 'tandem.js');

/**
 * Parses `--name value` flags against `defaults` (numbers stay numbers), plus `--quick`
 * which swaps in `quick` sizes. Unknown flags throw.
 */
export function parseFlags(argv, defaults, quick) {
  const out = { ...defaults };
  let isQuick = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--quick') {
      isQuick = true;
      continue;
    }
    const name = a.replace(/^--/, '').replace(/-([a-z])/g, (_, c) => c.toUpperCase());
    if (!a.startsWith('--') || !(name in defaults))
      throw new Error(
        `unknown flag ${a}; flags: --quick ${Object.keys(defaults)
          .map((k) => `--${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`)
          .join(' ')}`,
      );
    const v = argv[++i];
    if (v === undefined) throw new Error(`${a} needs a value`);
    out[name] = typeof defaults[name] === 'number' ? Number(v) : v;
    if (typeof defaults[name] === 'number' && !Number.isFinite(out[name])) throw new Error(`${a} must be a number`);
  }
  if (isQuick) {
    // Quick sizes replace the defaults, but a flag given explicitly still wins.
    for (const [k, v] of Object.entries(quick)) if (!argv.includes(`--${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`)) out[k] = v;
  }
  out.quick = isQuick;
  return out;
}

export function percentile(sorted, p) {
  if (sorted.length === 0) return 0;
  const i = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return sorted[Math.max(0, i)];
}

export const round = (v, d = 2) => Math.round(v * 10 ** d) / 10 ** d;
export const MiB = 1024 * 1024;
export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
export const out = (o) => process.stdout.write(`${JSON.stringify(o)}\n`);
/** Progress on stderr, so stdout's last line stays the JSON result. */
export const note = (...parts) => process.stderr.write(`[bench] ${parts.join(' ')}\n`);

export function tempDir(prefix) {
  return mkdtempSync(join(tmpdir(), prefix));
}

export function removeDir(dir) {
  rmSync(dir, { recursive: true, force: true });
}

const CHILD_ENV = { ...process.env, TANDEM_LOG_LEVEL: process.env.TANDEM_LOG_LEVEL };

/** A master (or, with {echo: true}, a bare grpc-js echo server) in a child process. */
export async function startMasterProcess(config, { execArgv = [] } = {}) {
  const child = fork(join(REPO, 'bench', 'lib', 'master-process.mjs'), [JSON.stringify(config)], {
    execArgv: ['--expose-gc', ...execArgv],
    env: CHILD_ENV,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  let seq = 0;
  const waiting = new Map();
  let exited = false;
  const exit = new Promise((resolve) =>
    child.on('exit', (code, signal) => {
      exited = true;
      for (const w of waiting.values()) w.reject(new Error(`master process exited (${code ?? signal})`));
      waiting.clear();
      resolve({ code, signal });
    }),
  );
  const started = new Promise((resolve, reject) => {
    child.on('message', (msg) => {
      if (msg.op === 'started') resolve(msg);
      const w = waiting.get(msg.id);
      if (w) {
        waiting.delete(msg.id);
        if (msg.error) w.reject(new Error(msg.error));
        else w.resolve(msg);
      }
    });
    void exit.then(() => reject(new Error('master process exited before it started')));
  });
  const ask = (op, args = {}) =>
    new Promise((resolve, reject) => {
      if (exited) return reject(new Error('master process has exited'));
      const id = ++seq;
      waiting.set(id, { resolve, reject });
      child.send({ ...args, id, op });
    });
  const { port, httpPort } = await started;
  return {
    port,
    address: `127.0.0.1:${port}`,
    /** The HTTP API's base URL when the config asked for one ({ httpPort: 0 }). */
    http: httpPort > 0 ? `http://127.0.0.1:${httpPort}` : undefined,
    pid: child.pid,
    stats: () => ask('stats'),
    quick: () => ask('quick'),
    gc: () => ask('gc'),
    /** Writes a V8 heap snapshot (after a full GC) to `path`. */
    snapshot: (path) => ask('snapshot', { path }),
    /** Ordered stop (writes the CPU profile when --cpu-prof was given). */
    stop: async () => {
      if (exited) return;
      await ask('stop').catch(() => undefined);
      await exit;
    },
    /** A crash: SIGKILL. */
    kill: async () => {
      if (exited) return;
      child.kill('SIGKILL');
      await exit;
    },
  };
}

/** `tandem hollow` in a child process; resolves once it reports every agent registered. */
export async function startHollow({ master, count, resources, workDir, taskDurationMs, reconnectMs = 100, execArgv = [] }) {
  const args = [
    ...execArgv,
    CLI,
    'hollow',
    '--master',
    master,
    '--count',
    String(count),
    '--resources',
    resources,
    '--work-dir',
    workDir,
    '--reconnect-ms',
    String(reconnectMs),
    '--agent-log-level',
    process.env.TANDEM_LOG_LEVEL ?? 'error',
  ];
  if (taskDurationMs !== undefined) args.push('--task-duration-ms', String(taskDurationMs));
  const child = spawn(process.execPath, args, { env: CHILD_ENV, stdio: ['ignore', 'pipe', 'inherit'] });
  const exit = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  const started = performance.now();
  await new Promise((resolve, reject) => {
    let buf = '';
    child.stdout.on('data', (d) => {
      buf += d.toString();
      if (buf.includes('hollow agents registered')) resolve();
    });
    void exit.then((e) => reject(new Error(`tandem hollow exited early (${e.code ?? e.signal})`)));
  });
  return {
    pid: child.pid,
    startSeconds: (performance.now() - started) / 1000,
    stop: async () => {
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exit;
      clearTimeout(t);
    },
  };
}

/**
 * A framework that launches `tasks` hollow tasks as offers arrive, at most `perOffer`
 * per offer (so every agent gets some), each running `durationMs` (or until killed when
 * undefined). Resolves once every task has been reported RUNNING, with the timings.
 */
export async function launchTasks({
  master,
  tasks,
  perOffer,
  cpus = 0.1,
  mem = 32,
  durationMs,
  name = 'bench',
  failoverTimeoutSeconds = 0,
  maxInFlight = 256,
  onUpdate,
}) {
  const driver = new SchedulerDriver({
    master,
    framework: { name, failoverTimeoutSeconds },
    reconnect: { initialMs: 100, maxMs: 1000 },
    callTimeoutMs: 120_000,
  });
  const acceptedAt = new Map();
  const latencies = [];
  let nextTask = 0;
  let running = 0;
  let firstAccept = 0;
  let lastRunning = 0;
  let inFlight = 0;
  let relaunched = 0;
  const queue = [];
  /** Tasks whose accept was refused (an offer rescinded meanwhile): launched again from the next offers. */
  const retry = [];
  let done;
  const allRunning = new Promise((resolve) => {
    done = resolve;
  });
  const env = durationMs === undefined ? {} : { HOLLOW_DURATION_MS: String(durationMs) };
  const pump = () => {
    while (inFlight < maxInFlight && queue.length > 0) {
      const job = queue.shift();
      inFlight++;
      job().finally(() => {
        inFlight--;
        pump();
      });
    }
  };
  driver.onOffers((offers) => {
    const decline = [];
    for (const offer of offers) {
      if (nextTask >= tasks && retry.length === 0) {
        decline.push(offer.id);
        continue;
      }
      const infos = [];
      const n = Math.min(perOffer, tasks - nextTask + retry.length);
      for (let i = 0; i < n; i++) {
        const id = retry.pop() ?? `t${nextTask++}`;
        infos.push(taskInfo({ id, cpus, mem, command: 'true', env }, { agentId: offer.agentId }));
      }
      const more = nextTask < tasks || retry.length > 0;
      queue.push(async () => {
        const t = performance.now();
        if (firstAccept === 0) firstAccept = t;
        for (const info of infos) acceptedAt.set(info.taskId, t);
        try {
          await driver.accept(offer.id, infos, { refuseSeconds: more ? 0 : 3600 });
        } catch (err) {
          note('accept failed, its tasks go again:', err.message);
          for (const info of infos) {
            acceptedAt.delete(info.taskId);
            retry.push(info.taskId);
          }
          await driver.revive().catch(() => undefined);
        }
      });
    }
    if (decline.length > 0) queue.push(() => driver.decline(decline, 3600).catch(() => undefined));
    pump();
  });
  driver.onUpdate((status) => {
    onUpdate?.(status);
    const t0 = acceptedAt.get(status.taskId);
    if (t0 === undefined) return;
    if (status.state !== 'TASK_RUNNING') {
      // Ended before it ran (say TASK_DROPPED: its agent's stream broke around the launch on
      // a loaded machine, and the agent came back without it): it is launched again.
      if (!isTerminal(status.state)) return;
      acceptedAt.delete(status.taskId);
      relaunched++;
      retry.push(status.taskId);
      driver.revive().catch(() => undefined);
      return;
    }
    acceptedAt.delete(status.taskId);
    const now = performance.now();
    latencies.push(now - t0);
    lastRunning = now;
    if (++running === tasks) done();
  });
  if (tasks === 0) done();
  await driver.start();
  await allRunning;
  latencies.sort((a, b) => a - b);
  await driver.suppress().catch(() => undefined);
  return {
    driver,
    seconds: (lastRunning - firstAccept) / 1000,
    latencies,
    /** Tasks that ended before they ran and were launched again. */
    relaunched,
  };
}

/** Polls `probe` (async) every `intervalMs` until it returns truthy or `timeoutMs` passes. */
export async function waitUntil(probe, { intervalMs = 50, timeoutMs = 600_000, what = 'condition' } = {}) {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(intervalMs);
  }
}

/**
 * One JSON request to a REST API at `base()` (a function: the server may start after this
 * is made). Resolves with the parsed body and the size of the text; a status of 300 or
 * more throws with the method, path, status and the start of the body.
 */
export function restClient(base) {
  return async (method, path, body) => {
    const res = await fetch(`${base()}${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${text.slice(0, 300)}`);
    return { json: text ? JSON.parse(text) : undefined, bytes: text.length };
  };
}
