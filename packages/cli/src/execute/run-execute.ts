import { basename } from 'node:path';
import { DEFAULT_KILL_GRACE_PERIOD_MS } from '@tandem/agent';
import { type DockerHostAccess, isTerminal, matchTasks, SchedulerDriver, type SecretEnv, specResources, type TaskSpec, taskInfo } from '@tandem/framework-sdk';
import { type GrpcCredential, type Logger, newUuid, sleep, TandemError, type TaskStatus, type TlsFiles } from '@tandem/protocol';
import type { CliIo } from '../cli-io.js';
import type { ClientAuth } from '../credential-flags.js';
import { deferred } from '../deferred.js';
import { withOperator } from '../operator-call.js';
import { readTaskLog } from '../read-task-log.js';
import { exitCodeOf } from './exit-code.js';
import { formatStatus } from './format-status.js';

export interface ExecuteOptions {
  /** The masters, `host:port[,host:port...]`: the driver follows the leader. */
  master: string;
  /** The argv, passed as is (no shell). Empty with an image: the image's CMD. */
  argv: string[];
  image?: string;
  /** With `image`: host volumes and added capabilities (`--volume`, `--cap-add`), each for the agent's policy to allow. */
  docker?: DockerHostAccess;
  cpus: number;
  mem: number;
  disk: number;
  /** Values, or `{ secret: source }` for secrets the agent reads (`--secret-env`). */
  env: Record<string, string | SecretEnv>;
  name?: string;
  gracePeriodSeconds?: number;
  /** Kill the task and give up after this long; 0 = no limit. */
  timeoutSeconds: number;
  /** refuse_seconds for offers it does not need once the task is launched. */
  declineSeconds: number;
  /** Mutual TLS to the masters, for the subscription and the log reads. */
  tls?: TlsFiles;
  /** A principal and secret for the masters (`--credential`), for the subscription and the log reads. */
  credential?: GrpcCredential;
}

/** refuse_seconds for offers that do not fit while it still waits for one. */
export const WAITING_DECLINE_SECONDS = 5;
/** After a kill: how long past the grace period to wait for the terminal update. */
export const KILL_WAIT_EXTRA_MS = 10_000;
/** The agent's grace when a kill names none. */
export const DEFAULT_KILL_GRACE_SECONDS = DEFAULT_KILL_GRACE_PERIOD_MS / 1000;

type Outcome = 'terminal' | 'interrupted' | 'timeout' | 'failed';

function taskIdFor(o: ExecuteOptions): string {
  const base = (o.name ?? basename(o.argv[0] ?? o.image ?? 'task'))
    .replace(/[^A-Za-z0-9_.-]+/g, '-')
    .replace(/^[^A-Za-z0-9]+/, '')
    .slice(0, 60);
  return `${base || 'task'}.${newUuid().slice(0, 8)}`;
}

/**
 * A one-task framework, like mesos-execute: waits for an offer that fits, launches the
 * argv, prints each state change, then the task's stdout and stderr, and resolves with
 * the exit code. `interrupted` resolving (Ctrl-C) kills the task first.
 */
export async function runExecute(o: ExecuteOptions, io: CliIo, interrupted: Promise<unknown>, log: Logger): Promise<number> {
  const taskId = taskIdFor(o);
  const spec: TaskSpec = {
    id: taskId,
    name: o.name ?? taskId,
    cpus: o.cpus,
    mem: o.mem,
    disk: o.disk,
    argv: o.argv,
    env: o.env,
    ...(o.image ? { image: o.image } : {}),
    ...(o.docker ? { docker: o.docker } : {}),
    ...(o.gracePeriodSeconds === undefined ? {} : { killGracePeriodSeconds: o.gracePeriodSeconds }),
  };
  taskInfo(spec, { agentId: 'check' }); // validates the spec before anything is sent
  const wanted = specResources(spec).resources.toString();

  const driver = new SchedulerDriver({
    master: o.master,
    framework: { name: 'tandem-execute', failoverTimeoutSeconds: 0 },
    ...(o.tls ? { tls: o.tls } : {}),
    ...(o.credential ? { credential: o.credential } : {}),
  });
  const outcome = deferred<Outcome>();
  const terminal = deferred<TaskStatus>();
  let placed: { agentId: string } | undefined;
  let failure: TandemError | undefined;
  let toldWaiting = false;

  driver.onOffers(async (offers) => {
    const ids = offers.map((x) => x.id);
    if (placed || outcome.settled()) {
      await driver.decline(ids, o.declineSeconds).catch((err: unknown) => log.debug({ err }, 'decline failed'));
      return;
    }
    const { matches, unused } = matchTasks(offers, [spec]);
    const match = matches[0];
    if (match) {
      placed = { agentId: match.offer.agentId };
      try {
        await driver.launch(match.offer, match.tasks);
      } catch (err) {
        failure = TandemError.from(err);
        outcome.resolve('failed');
        return;
      }
      await driver.suppress().catch((err: unknown) => log.debug({ err }, 'suppress failed'));
    } else if (!toldWaiting) {
      toldWaiting = true;
      io.stderr(`tandem: waiting for an offer with ${wanted}\n`);
    }
    if (unused.length > 0) {
      const refuse = placed ? o.declineSeconds : WAITING_DECLINE_SECONDS;
      await driver
        .decline(
          unused.map((x) => x.id),
          refuse,
        )
        .catch((err: unknown) => log.debug({ err }, 'decline failed'));
    }
  });

  driver.onUpdate((status) => {
    if (status.taskId !== taskId) return;
    io.stdout(`${formatStatus(status)}\n`);
    if (isTerminal(status.state)) {
      terminal.resolve(status);
      outcome.resolve('terminal');
    }
  });

  void driver.closed().then((err) => {
    if (err) {
      failure ??= err;
      outcome.resolve('failed');
    }
  });
  void interrupted.then(() => outcome.resolve('interrupted'));
  const timer = o.timeoutSeconds > 0 ? setTimeout(() => outcome.resolve('timeout'), o.timeoutSeconds * 1000) : undefined;
  driver.start().catch((err: unknown) => {
    failure ??= TandemError.from(err);
    outcome.resolve('failed');
  });

  try {
    const why = await outcome.promise;
    if ((why === 'interrupted' || why === 'timeout') && placed && !terminal.settled()) {
      io.stderr(`tandem: ${why === 'timeout' ? `timed out after ${o.timeoutSeconds} s` : 'interrupted'}; killing ${taskId}\n`);
      const grace = o.gracePeriodSeconds ?? DEFAULT_KILL_GRACE_SECONDS;
      await driver.kill(taskId, placed.agentId, o.gracePeriodSeconds).catch((err: unknown) => {
        io.stderr(`tandem: kill failed: ${TandemError.from(err).message}\n`);
      });
      const waited = new AbortController();
      await Promise.race([terminal.promise, sleep(grace * 1000 + KILL_WAIT_EXTRA_MS, waited.signal).catch(() => {})]);
      waited.abort();
    } else if (why === 'interrupted' || why === 'timeout') {
      io.stderr(`tandem: ${why === 'timeout' ? `timed out after ${o.timeoutSeconds} s` : 'interrupted'} before the task was launched\n`);
    }
    const final = terminal.settled() ? await terminal.promise : undefined;
    if (final) await printLogs(o.master, taskId, io, { ...(o.tls ? { tls: o.tls } : {}), ...(o.credential ? { credential: o.credential } : {}) });
    if (failure) io.stderr(`tandem: ${failure.message}\n`);
    return failure && !final ? 1 : exitCodeOf(final);
  } finally {
    if (timer) clearTimeout(timer);
    if (driver.state === 'subscribed') await driver.teardown().catch(() => driver.stop());
    else await driver.stop();
  }
}

async function printLogs(master: string, taskId: string, io: CliIo, auth: ClientAuth): Promise<void> {
  try {
    for (const [name, out] of [
      ['stdout', io.stdout],
      ['stderr', io.stderr],
    ] as const) {
      let written = 0; // a failover mid-read goes on from here, on the leader
      const write = (d: Uint8Array): void => {
        written += d.length;
        out(d);
      };
      await withOperator(master, (client, deadline) => readTaskLog(client, { taskId, name, write, deadline, offset: written }), auth);
    }
  } catch (err) {
    io.stderr(`tandem: cannot read the task's logs: ${TandemError.from(err).message}\n`);
  }
}
