import type { RateLimit } from './token-buckets.js';

/**
 * What Tandem's REST APIs (apps, jobs, the master's HTTP API) accept at most. One place,
 * so the frameworks refuse the same things.
 */

/** Request bodies larger than this are refused with HTTP 413 unless configured otherwise (1 MiB). */
export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;

/**
 * The largest gRPC message any Tandem server or client receives or sends (64 MiB); a larger
 * one is refused with RESOURCE_EXHAUSTED and the server goes on serving. Large on purpose:
 * an agent re-registering thousands of tasks, or an accept of 500 offers with their
 * launches, is one message of several MiB. The master's is configurable (`--max-message-bytes`).
 */
export const MAX_GRPC_MESSAGE_BYTES = 64 * 1024 * 1024;

/**
 * A task's resources beyond any agent's possible size are refused (422): no machine has
 * more. 4,096 CPUs; 64 TiB of memory; 1 PiB of disk (memory and disk in MiB, as Mesos).
 */
export const MAX_TASK_CPUS = 4096;
export const MAX_TASK_MEM_MB = 64 * 1024 * 1024;
export const MAX_TASK_DISK_MB = 1024 * 1024 * 1024;

/**
 * The most URIs a task may carry (Marathon's `fetch` and `uris` together, Metronome's
 * `artifacts`): refused with a 422 beyond it. Each agent has its own limit too
 * (`tandem agent --fetch-max-uris`, the same by default).
 */
export const MAX_TASK_URIS = 32;

/** An environment variable name as POSIX gives it: a letter or `_`, then letters, digits and `_`. */
export const ENV_NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Calls `report` for each name of `env` that is not a POSIX name, with the message to give (apps' `env`, jobs' `run.env`). */
export function reportBadEnvNames(env: Readonly<Record<string, unknown>>, report: (name: string, message: string) => void): void {
  for (const name of Object.keys(env)) {
    if (!ENV_NAME_PATTERN.test(name))
      report(name, `${JSON.stringify(name)} is not a valid environment variable name: letters, digits and _, not starting with a digit`);
  }
}

/** Requests per principal (or per client IP address when anonymous) the HTTP APIs answer: 1,000 a second, 2,000 at once. */
export const DEFAULT_HTTP_RATE_LIMIT: Readonly<Required<RateLimit>> = { count: 1000, perMs: 1000, burst: 2000 };
