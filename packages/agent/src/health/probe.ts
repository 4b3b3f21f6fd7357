import { spawn } from 'node:child_process';
import { stat } from 'node:fs/promises';
import { request } from 'node:http';
import { connect } from 'node:net';
import type { HealthCheck } from '@tandem/protocol';

/** The outcome of one probe. */
export interface ProbeResult {
  ok: boolean;
  message: string;
}

/** Runs a command for a COMMAND check; resolves with its exit code. */
export type ExecFn = (argv: string[], timeoutMs: number) => Promise<number>;

export interface ProbeTarget {
  /** The task's host ports, in order (PORT0..n). */
  ports: readonly number[];
  /** Runs COMMAND checks where the task runs (in its container, or beside the process). */
  exec: ExecFn;
}

function httpProbe(port: number, path: string, timeoutMs: number): Promise<ProbeResult> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path: path || '/', method: 'GET', timeout: timeoutMs }, (res) => {
      res.resume();
      const code = res.statusCode ?? 0;
      resolve({ ok: code >= 200 && code < 400, message: `HTTP GET ${path || '/'} on port ${port} returned ${code}` });
    });
    req.on('timeout', () => req.destroy(new Error(`timed out after ${timeoutMs} ms`)));
    req.on('error', (err) => resolve({ ok: false, message: `HTTP GET ${path || '/'} on port ${port} failed: ${err.message}` }));
    req.end();
  });
}

function tcpProbe(port: number, timeoutMs: number): Promise<ProbeResult> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port, timeout: timeoutMs });
    socket.once('connect', () => {
      socket.destroy();
      resolve({ ok: true, message: `TCP connect to port ${port} succeeded` });
    });
    socket.once('timeout', () => socket.destroy(new Error(`timed out after ${timeoutMs} ms`)));
    socket.once('error', (err) => resolve({ ok: false, message: `TCP connect to port ${port} failed: ${err.message}` }));
  });
}

/** Runs one probe of `check` against the task. Never throws: a failure is a result. */
export async function probe(check: HealthCheck, target: ProbeTarget, timeoutMs: number): Promise<ProbeResult> {
  const port = (): number | undefined => target.ports[check.portIndex];
  switch (check.type) {
    case 'HTTP': {
      const p = port();
      if (p === undefined) return { ok: false, message: `the task has no port at index ${check.portIndex}` };
      return httpProbe(p, check.path, timeoutMs);
    }
    case 'TCP': {
      const p = port();
      if (p === undefined) return { ok: false, message: `the task has no port at index ${check.portIndex}` };
      return tcpProbe(p, timeoutMs);
    }
    case 'COMMAND': {
      const cmd = check.command;
      const argv = cmd?.shell || (cmd && cmd.arguments.length === 0) ? ['/bin/sh', '-c', cmd?.value ?? ''] : [...(cmd?.arguments ?? [])];
      try {
        const code = await target.exec(argv, timeoutMs);
        return { ok: code === 0, message: `command exited with status ${code}` };
      } catch (err) {
        return { ok: false, message: `command failed: ${err instanceof Error ? err.message : String(err)}` };
      }
    }
    default:
      return { ok: false, message: `unsupported health check type ${check.type}` };
  }
}

/**
 * COMMAND checks of process tasks: run beside the task, in its sandbox, with its env, and
 * as its user: an agent running as root runs the check as the sandbox's owner, whom the
 * process containerizer made the task's user (the task cannot give its sandbox away).
 */
export function hostExec(cwd: string, env: Record<string, string>): ExecFn {
  return async (argv, timeoutMs) => {
    const [file, ...args] = argv;
    if (!file) throw new Error('empty command');
    const owner = process.getuid?.() === 0 ? await stat(cwd) : undefined;
    const runAs = owner && owner.uid !== 0 ? { uid: owner.uid, gid: owner.gid } : {};
    return new Promise((resolve, reject) => {
      const child = spawn(file, args, {
        cwd,
        env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env },
        stdio: 'ignore',
        timeout: timeoutMs,
        killSignal: 'SIGKILL',
        ...runAs,
      });
      child.once('error', reject);
      child.once('exit', (code, signal) => (signal ? reject(new Error(`killed by ${signal}${signal === 'SIGKILL' ? ' (timeout)' : ''}`)) : resolve(code ?? 1)));
    });
  };
}
