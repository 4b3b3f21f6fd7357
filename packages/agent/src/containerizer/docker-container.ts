import { Backoff, type Logger, sleep } from '@tandem/protocol';
import type Docker from 'dockerode';
import { dockerMessage, dockerStatus } from './docker-errors.js';
import { describeExit } from './exit-status.js';
import { KillEscalation } from './kill-escalation.js';
import type { Container, ContainerExit } from './types.js';

/** How long wait() gives the log copy to finish once the container has exited. */
const LOG_DRAIN_MS = 5_000;
/** When a SIGTERM is sent again (see `killing`). */
const RETERM_MS = 1_000;

export interface DockerContainerInit {
  docker: Docker;
  id: string;
  taskId: string;
  /** Settles when the container's output is in the sandbox files (or will never be). */
  logsDone: Promise<void>;
  /** The memory limit in MiB, for the OOM message. */
  memoryMiB?: number;
  log: Logger;
}

/** A task's Docker container, as launched or as recovered. */
export class DockerContainer implements Container {
  readonly id: string;
  readonly taskId: string;
  private readonly handle: Docker.Container;
  private readonly logsDone: Promise<void>;
  private readonly memoryMiB: number | undefined;
  private readonly log: Logger;
  private exit: Promise<ContainerExit> | undefined;
  private ended = false;
  private readonly killing = new KillEscalation({
    term: async () => {
      await this.signal('SIGTERM');
      // A container's init (docker-init) drops signals that arrive before it has set up
      // its handlers, as the kernel does for any PID 1 without one: a kill right after
      // start would then wait out the whole grace. One more SIGTERM a second later
      // closes that window; a second SIGTERM is harmless to a process already stopping.
      this.retermTimer = setTimeout(() => {
        if (!this.ended) void this.signal('SIGTERM');
      }, RETERM_MS);
      this.retermTimer.unref();
    },
    kill: async () => {
      if (this.ended) return;
      this.log.info('grace period over; sending SIGKILL');
      await this.signal('SIGKILL');
    },
  });
  private destroyed: Promise<void> | undefined;
  private retermTimer: NodeJS.Timeout | undefined;

  constructor(init: DockerContainerInit) {
    this.id = init.id;
    this.taskId = init.taskId;
    this.handle = init.docker.getContainer(init.id);
    this.memoryMiB = init.memoryMiB;
    this.log = init.log.child({ taskId: init.taskId, containerId: init.id.slice(0, 12) });
    this.logsDone = init.logsDone.catch((err: unknown) => {
      this.log.warn({ err }, 'copying container output failed');
    });
  }

  wait(): Promise<ContainerExit> {
    this.exit ??= this.waitForExit().finally(() => {
      this.ended = true;
      clearTimeout(this.retermTimer);
      this.killing.finish();
    });
    return this.exit;
  }

  private async waitForExit(): Promise<ContainerExit> {
    const backoff = new Backoff({ initialMs: 200, maxMs: 5_000 });
    for (;;) {
      try {
        await this.handle.wait();
        break;
      } catch (err) {
        if (dockerStatus(err) === 404) return { exitCode: null, oomKilled: false, message: 'the container disappeared' };
        // The engine went away (restart, socket gone): the container may still run. Retry.
        this.log.warn({ err: dockerMessage(err) }, 'waiting on the container failed; retrying');
        await sleep(backoff.next());
      }
    }
    await this.drainLogs();
    try {
      const info = await this.handle.inspect();
      return describeExit(info.State.ExitCode, info.State.OOMKilled, this.memoryMiB);
    } catch (err) {
      if (dockerStatus(err) === 404) return { exitCode: null, oomKilled: false, message: 'the container disappeared' };
      throw err;
    }
  }

  private async drainLogs(): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, LOG_DRAIN_MS);
      timer.unref();
    });
    await Promise.race([this.logsDone, timeout]);
    clearTimeout(timer);
  }

  /**
   * SIGTERM (docker-init forwards it to the command), then SIGKILL once `gracePeriodMs`
   * has passed if the container still runs. A later call with a shorter grace brings the
   * SIGKILL forward. Resolves when the signals have been sent, or the container ended.
   */
  kill(gracePeriodMs: number): Promise<void> {
    if (this.ended) return Promise.resolve();
    void this.wait().catch(() => undefined);
    return this.killing.request(gracePeriodMs);
  }

  private async signal(signal: 'SIGTERM' | 'SIGKILL'): Promise<void> {
    try {
      await this.handle.kill({ signal });
    } catch (err) {
      // 409: not running (already exited); 404: gone. Both mean there is nothing to signal.
      const status = dockerStatus(err);
      if (status !== 409 && status !== 404 && status !== 304) {
        this.log.warn({ err: dockerMessage(err), signal }, 'could not signal the container');
      }
    }
  }

  /** Runs `argv` inside the container (docker exec) and resolves with its exit status. */
  async exec(argv: string[], timeoutMs: number): Promise<number> {
    const exec = await this.handle.exec({ Cmd: argv, AttachStdout: true, AttachStderr: true });
    const stream = await exec.start({ hijack: true, stdin: false });
    stream.resume();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        stream.destroy();
        reject(new Error(`timed out after ${timeoutMs} ms`));
      }, timeoutMs);
      timer.unref();
    });
    const ended = new Promise<void>((resolve) => {
      stream.once('end', resolve);
      stream.once('close', resolve);
      stream.once('error', () => resolve());
    });
    try {
      await Promise.race([ended, timeout]);
    } finally {
      clearTimeout(timer);
    }
    const info = await exec.inspect();
    return info.ExitCode ?? 1;
  }

  destroy(): Promise<void> {
    this.destroyed ??= this.remove();
    return this.destroyed;
  }

  private async remove(): Promise<void> {
    clearTimeout(this.retermTimer);
    this.killing.finish();
    try {
      await this.handle.remove({ force: true, v: true });
    } catch (err) {
      const status = dockerStatus(err);
      // 404: already gone; 409: a removal is already in progress.
      if (status !== 404 && status !== 409) {
        this.destroyed = undefined;
        throw err;
      }
    }
  }
}
