import type { ChildProcess } from 'node:child_process';
import type { Logger } from '@tandem/protocol';
import type { MemoryCgroup } from './cgroups.js';
import { describeExit, signalExitCode } from './exit-status.js';
import { KillEscalation } from './kill-escalation.js';
import { groupExists, groupMembers, isSameProcess, killMembers, signalGroup } from './proc.js';
import { readExitFile } from './process-wrapper.js';
import type { Container, ContainerExit } from './types.js';

/** How often a recovered task (not our child) is checked for having ended. */
const POLL_MS = 250;
/** After SIGKILLing the members, how long the wrapper gets to record the status. */
const WRAPPER_EXIT_MS = 1_000;

export interface ProcessContainerInit {
  taskId: string;
  /** The wrapper's pid, which is also the process group id. */
  pid: number;
  startTime: string;
  exitFile: string;
  /** Set when the agent spawned it (not after a recovery). */
  child?: ChildProcess;
  /**
   * Whether `pid` was verified to be this task's wrapper (always so for a child). The
   * process group of an unverified pid is never signalled.
   */
  owned?: boolean;
  cgroup?: MemoryCgroup;
  memoryMiB: number;
  log: Logger;
}

function unrefTimer(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

/** A task run as a process group by the process containerizer. */
export class ProcessContainer implements Container {
  readonly id: string;
  readonly taskId: string;
  private readonly pid: number;
  private readonly startTime: string;
  private readonly exitFile: string;
  private readonly cgroup: MemoryCgroup | undefined;
  private readonly memoryMiB: number;
  private readonly log: Logger;
  private readonly childExit: Promise<number | null> | undefined;
  private readonly owned: boolean;
  private exit: Promise<ContainerExit> | undefined;
  private ended = false;
  private rssKilled = false;
  private stopRss: (() => void) | undefined;
  private readonly killing = new KillEscalation({ term: () => this.sigterm(), kill: () => this.escalate() });
  private destroyed: Promise<void> | undefined;

  constructor(init: ProcessContainerInit) {
    this.id = String(init.pid);
    this.taskId = init.taskId;
    this.pid = init.pid;
    this.startTime = init.startTime;
    this.exitFile = init.exitFile;
    this.cgroup = init.cgroup;
    this.memoryMiB = init.memoryMiB;
    this.log = init.log.child({ taskId: init.taskId, pid: init.pid });
    const child = init.child;
    this.owned = child !== undefined || init.owned === true;
    if (child) {
      // Listen now: the exit may come before anyone calls wait().
      this.childExit = new Promise((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) resolve(child.exitCode ?? signalExitCode(child.signalCode));
        else child.once('exit', (code, signal) => resolve(code ?? signalExitCode(signal)));
      });
    }
  }

  /** Lets the RSS monitor's watch be stopped with the container, and its kill reported. */
  attachRssWatch(stop: () => void): void {
    this.stopRss = stop;
  }

  /** Called by the RSS monitor when it killed this task for going over its limit. */
  markRssKilled(): void {
    this.rssKilled = true;
  }

  wait(): Promise<ContainerExit> {
    this.exit ??= this.waitForExit().finally(() => {
      this.ended = true;
      this.killing.finish();
      this.stopRss?.();
    });
    return this.exit;
  }

  private async alive(): Promise<boolean> {
    if (this.ended || !this.owned) return false;
    return isSameProcess(this.pid, this.startTime);
  }

  private async waitForExit(): Promise<ContainerExit> {
    let code: number | null;
    if (this.childExit) {
      code = await this.childExit;
    } else if (this.owned) {
      while (await isSameProcess(this.pid, this.startTime)) await unrefTimer(POLL_MS);
      code = null;
    } else {
      code = null;
    }
    const recorded = await readExitFile(this.exitFile);
    const exitCode = recorded ?? code;
    const oom = this.rssKilled || ((await this.cgroup?.oomKilled().catch(() => false)) ?? false);
    if (exitCode === null && !oom) return { exitCode: null, oomKilled: false, message: 'exit status lost while the agent was down' };
    return describeExit(exitCode, oom, this.memoryMiB);
  }

  /**
   * SIGTERM to the process group, then SIGKILL once `gracePeriodMs` has passed if it
   * still runs. A later call with a shorter grace brings the SIGKILL forward.
   */
  kill(gracePeriodMs: number): Promise<void> {
    if (this.ended) return Promise.resolve();
    void this.wait().catch(() => undefined);
    return this.killing.request(gracePeriodMs);
  }

  private async sigterm(): Promise<void> {
    // Never signal a group whose leader is not our task any more (pid reuse).
    if (this.child() || (await this.alive())) signalGroup(this.pid, 'SIGTERM');
  }

  private child(): boolean {
    return this.childExit !== undefined && !this.ended;
  }

  private async escalate(): Promise<void> {
    try {
      if (this.ended || !(this.child() || (await this.alive()))) return;
      this.log.info('grace period over; sending SIGKILL');
      // Kill the task but not the wrapper, so that it records the status; then the
      // wrapper too if it is somehow still there.
      killMembers(this.pid, await groupMembers(this.pid));
      await Promise.race([this.wait().then(() => undefined), unrefTimer(WRAPPER_EXIT_MS)]);
      if (!this.ended) signalGroup(this.pid, 'SIGKILL');
    } catch (err) {
      this.log.warn({ err }, 'SIGKILL failed');
    }
  }

  /** Kills whatever is left of the group and removes the cgroup. */
  destroy(): Promise<void> {
    this.destroyed ??= this.remove();
    return this.destroyed;
  }

  private async remove(): Promise<void> {
    this.killing.finish();
    this.stopRss?.();
    // Leftovers of a task that has ended (daemonised children) share its group.
    if (this.owned && (this.ended ? groupExists(this.pid) : this.child() || (await this.alive()))) signalGroup(this.pid, 'SIGKILL');
    await this.cgroup?.remove();
  }
}
