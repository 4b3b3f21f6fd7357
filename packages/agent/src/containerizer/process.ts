import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { access, rm, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Code, componentLogger, type Logger } from '@tandem/protocol';
import { type MemoryCgroup, MemoryCgroups } from './cgroups.js';
import { taskArgv } from './command.js';
import { killedDuringLaunch, launchError, throwIfAborted } from './launch-failure.js';
import { listPids, readCmdline, readProcStat } from './proc.js';
import { ProcessContainer } from './process-container.js';
import { EXIT_FILE, type ProcessCheckpoint, parseWrapperCmdline, readCheckpoint, SETPRIV, WRAPPER, wrapperTag, writeCheckpoint } from './process-wrapper.js';
import { RssMonitor } from './rss-monitor.js';
import { openSandboxFile } from './sandbox-logs.js';
import { handSandboxTo } from './sandbox-owner.js';
import { resolveTaskUser, type TaskUser, UserLookup } from './task-user.js';
import type { Container, Containerizer, LaunchSpec, RecoverSpec } from './types.js';

const MIB = 1024 * 1024;
const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/**
 * How memory limits are enforced: 'auto' picks cgroup v1, else cgroup v2, else the RSS
 * monitor, whichever works first on this host; 'none' enforces nothing.
 */
export type MemoryIsolation = 'auto' | 'cgroup' | 'rss' | 'none';

export interface ProcessContainerizerOptions {
  /** @default 'auto' */
  memoryIsolation?: MemoryIsolation;
  /** Where the cgroup hierarchies are mounted. @default '/sys/fs/cgroup' */
  cgroupRoot?: string;
  /** The cgroup (under the memory hierarchy) that holds the tasks'. @default 'tandem' */
  cgroupParent?: string;
  /** How often the RSS monitor looks. @default 250 */
  rssIntervalMs?: number;
  /**
   * The user of a task whose command and framework name none (`--task-user`).
   * @default 'nobody' when the agent runs as root (no task runs as root unless named and allowed), else the agent's own user
   */
  taskUser?: string;
  /** Whether a task may run as root (`--allow-root-tasks`). @default false */
  allowRootTasks?: boolean;
  logger?: Logger;
}

/**
 * Runs each task as a plain process group on the host, for hosts without Docker: in its
 * sandbox directory, with its output in the sandbox's `stdout` and `stderr`, detached
 * so that it survives an agent restart, memory limited by a cgroup or the RSS monitor.
 * It runs as the user its command or framework names, else `taskUser` (Mesos'
 * `--switch_user`), never as root unless `allowRootTasks`; see docs/security.md.
 * No filesystem or network isolation.
 */
export class ProcessContainerizer implements Containerizer {
  readonly name = 'process' as const;
  private readonly isolation: MemoryIsolation;
  private readonly cgroupRoot: string;
  private readonly cgroupParent: string;
  private readonly rss: RssMonitor;
  private readonly log: Logger;
  private readonly taskUser: string | undefined;
  private readonly allowRootTasks: boolean;
  private readonly users = new UserLookup();
  private cgroups: Promise<MemoryCgroups | undefined> | undefined;

  constructor(options: ProcessContainerizerOptions = {}) {
    this.isolation = options.memoryIsolation ?? 'auto';
    this.cgroupRoot = options.cgroupRoot ?? '/sys/fs/cgroup';
    this.cgroupParent = options.cgroupParent ?? 'tandem';
    this.log = componentLogger('process-containerizer', options.logger);
    this.taskUser = options.taskUser ?? (process.getuid?.() === 0 ? 'nobody' : undefined);
    this.allowRootTasks = options.allowRootTasks ?? false;
    this.rss = new RssMonitor({ intervalMs: options.rssIntervalMs, logger: this.log });
  }

  async available(): Promise<boolean> {
    return (
      process.platform === 'linux' &&
      (await stat('/bin/sh').then(
        () => true,
        () => false,
      ))
    );
  }

  /** The memory isolation in force here: 'cgroup-v1', 'cgroup-v2', 'rss' or 'none'. */
  async memoryIsolation(): Promise<string> {
    const cg = await this.memoryCgroups();
    if (cg) return `cgroup-${cg.version}`;
    return this.isolation === 'none' ? 'none' : 'rss';
  }

  private memoryCgroups(): Promise<MemoryCgroups | undefined> {
    if (this.isolation !== 'auto' && this.isolation !== 'cgroup') return Promise.resolve(undefined);
    this.cgroups ??= MemoryCgroups.detect(this.cgroupRoot, this.cgroupParent).then((cg) => {
      if (!cg && this.isolation === 'cgroup') this.log.warn('no writable memory cgroup hierarchy; memory limits are not enforced');
      if (!cg && this.isolation === 'auto') this.log.info('no writable memory cgroup hierarchy; using the RSS monitor');
      return cg;
    });
    return this.cgroups;
  }

  async launch(spec: LaunchSpec, signal?: AbortSignal): Promise<Container> {
    const argv = taskArgv(spec.task);
    if (!argv) throw launchError('REASON_TASK_INVALID', 'command: a process task needs command.value (shell) or command.arguments', Code.InvalidArgument);
    const user = await resolveTaskUser(
      spec.task.command?.user ?? '',
      spec.frameworkUser ?? '',
      {
        ...(this.taskUser ? { defaultUser: this.taskUser } : {}),
        allowRoot: this.allowRootTasks,
      },
      this.users,
    );
    const switchUser = user.uid !== process.getuid?.();
    if (switchUser && !(await isExecutable(SETPRIV))) {
      throw launchError('REASON_CONTAINER_LAUNCH_FAILED', `the process containerizer needs ${SETPRIV} (util-linux) to run a task as "${user.name}"`);
    }
    throwIfAborted(signal);
    const sandboxDir = resolve(spec.sandboxDir);
    if (
      !(await stat(sandboxDir).then(
        (s) => s.isDirectory(),
        () => false,
      ))
    ) {
      throw launchError('REASON_CONTAINER_LAUNCH_FAILED', `the sandbox ${sandboxDir} is not a directory`);
    }
    const memoryMiB = spec.resources.mem;
    const memoryBytes = memoryMiB > 0 ? Math.round(memoryMiB * MIB) : 0;
    const cgroups = memoryBytes > 0 ? await this.memoryCgroups() : undefined;
    let cgroup: MemoryCgroup | undefined;
    if (cgroups) {
      try {
        cgroup = await cgroups.create(`${spec.taskId.replace(/[^a-zA-Z0-9_.-]/g, '-').slice(0, 100)}-${randomBytes(3).toString('hex')}`, memoryBytes);
      } catch (err) {
        throw launchError('REASON_CONTAINER_LAUNCH_FAILED', `could not create the memory cgroup: ${(err as Error).message}`);
      }
    }
    const exitFile = join(sandboxDir, EXIT_FILE);
    let container: ProcessContainer | undefined;
    try {
      await rm(exitFile, { force: true });
      const env = taskEnv(spec, user, sandboxDir);
      const [out, err] = await Promise.all([openSandboxFile(sandboxDir, 'stdout'), openSandboxFile(sandboxDir, 'stderr')]);
      // Last, once the agent's own files are open: the sandbox is the task user's from here on.
      // The sandbox, and what the fetcher wrote into it, are the task user's from here on.
      if (switchUser) await handSandboxTo(sandboxDir, spec.fetched ?? [], user.uid, user.gid);
      let child: ChildProcess;
      try {
        const runAs = switchUser ? `${user.uid}:${user.gid}` : '';
        child = spawn('/bin/sh', ['-c', WRAPPER, wrapperTag(spec.agentId, spec.taskId), cgroup?.procsPath ?? '', exitFile, runAs, ...argv], {
          cwd: sandboxDir,
          env,
          detached: true,
          stdio: ['ignore', out.fd, err.fd],
        });
        await new Promise<void>((ok, fail) => {
          child.once('spawn', ok);
          child.once('error', fail);
        });
      } finally {
        await Promise.all([out.close(), err.close()]);
      }
      child.unref();
      const pid = child.pid;
      if (pid === undefined) throw new Error('spawn gave no pid');
      const startTime = (await readProcStat(pid))?.startTime ?? '';
      container = new ProcessContainer({ taskId: spec.taskId, pid, startTime, exitFile, child, ...(cgroup ? { cgroup } : {}), memoryMiB, log: this.log });
      const rssLimit = memoryBytes > 0 && !cgroup && this.isolation !== 'none';
      if (rssLimit) this.watchRss(container, pid, memoryBytes);
      const checkpoint: ProcessCheckpoint = {
        pid,
        startTime,
        agentId: spec.agentId,
        taskId: spec.taskId,
        exitFile,
        memoryBytes,
        ...(cgroup ? { cgroup: { version: cgroup.version, path: cgroup.path } } : {}),
        rssLimit,
      };
      await writeCheckpoint(sandboxDir, checkpoint);
      throwIfAborted(signal);
      this.log.info(
        { taskId: spec.taskId, pid, user: user.name, uid: user.uid, memoryIsolation: cgroup ? `cgroup-${cgroup.version}` : rssLimit ? 'rss' : 'none' },
        'process started',
      );
      return container;
    } catch (err) {
      if (container) {
        await container.kill(0);
        await container.wait().catch(() => undefined);
        await container.destroy().catch(() => undefined);
      } else {
        await cgroup?.remove().catch(() => undefined);
      }
      if (signal?.aborted) throw killedDuringLaunch();
      throw launchError('REASON_CONTAINER_LAUNCH_FAILED', `could not start the process: ${(err as Error).message}`);
    }
  }

  private watchRss(container: ProcessContainer, pid: number, limitBytes: number): void {
    container.attachRssWatch(this.rss.watch(pid, limitBytes, () => container.markRssKilled()));
  }

  async recover(agentId: string, tasks: readonly RecoverSpec[]): Promise<Map<string, Container>> {
    const out = new Map<string, Container>();
    for (const spec of tasks) {
      const container = spec.sandboxDir ? await this.recoverFromSandbox(agentId, spec) : await this.recoverOrphan(agentId, spec);
      if (container) out.set(spec.taskId, container);
    }
    return out;
  }

  private async recoverFromSandbox(agentId: string, spec: RecoverSpec): Promise<ProcessContainer | undefined> {
    const sandboxDir = resolve(spec.sandboxDir);
    const cp = await readCheckpoint(sandboxDir);
    if (!cp) return undefined;
    // The checkpoint lives where the task can write: trust only what can be checked.
    const exitFile = join(sandboxDir, EXIT_FILE);
    const cgroups = await this.memoryCgroups();
    const cgPath = cp.cgroup?.path;
    const cgroup =
      cgroups && cp.cgroup?.version === cgroups.version && cgPath && resolve(cgPath).startsWith(`${cgroups.base}/`)
        ? await MemoryCgroups.open(cgroups.version, resolve(cgPath))
        : undefined;
    const stat = await readProcStat(cp.pid);
    const owner = parseWrapperCmdline(await readCmdline(cp.pid));
    const running = stat !== undefined && stat.state !== 'Z' && stat.startTime === cp.startTime && owner?.agentId === agentId && owner.taskId === spec.taskId;
    const container = new ProcessContainer({
      taskId: spec.taskId,
      pid: cp.pid,
      startTime: cp.startTime,
      owned: running,
      exitFile,
      ...(cgroup ? { cgroup } : {}),
      memoryMiB: (cp.memoryBytes ?? 0) / MIB,
      log: this.log,
    });
    if (running && cp.rssLimit && !cgroup && cp.memoryBytes > 0) this.watchRss(container, cp.pid, cp.memoryBytes);
    this.log.info({ taskId: spec.taskId, pid: cp.pid, running }, 'process task recovered');
    return container;
  }

  /** A wrapper found by `orphans()`: containerId is its pid. */
  private async recoverOrphan(agentId: string, spec: RecoverSpec): Promise<ProcessContainer | undefined> {
    const pid = Number(spec.containerId);
    if (!Number.isInteger(pid) || pid <= 1) return undefined;
    const stat = await readProcStat(pid);
    const owner = parseWrapperCmdline(await readCmdline(pid));
    if (!stat || owner?.agentId !== agentId) return undefined;
    return new ProcessContainer({ taskId: spec.taskId, pid, startTime: stat.startTime, owned: true, exitFile: '/nonexistent', memoryMiB: 0, log: this.log });
  }

  /** Wrapper processes of this agent that no known container (pid) claims. */
  async orphans(agentId: string, known: ReadonlySet<string>): Promise<string[]> {
    const found: string[] = [];
    for (const pid of await listPids()) {
      if (known.has(String(pid))) continue;
      const owner = parseWrapperCmdline(await readCmdline(pid));
      if (owner?.agentId !== agentId) continue;
      const stat = await readProcStat(pid);
      // Only group leaders: a task's own children can look like wrappers too (fork before exec).
      if (stat && stat.pgrp === pid && stat.state !== 'Z') found.push(String(pid));
    }
    return found;
  }
}

/** The task's environment: HOME is its sandbox, USER and LOGNAME its user, unless it sets them. */
function taskEnv(spec: LaunchSpec, user: TaskUser, sandboxDir: string): Record<string, string> {
  const env: Record<string, string> = { ...spec.env };
  env.PATH ??= process.env.PATH ?? DEFAULT_PATH;
  env.HOME ??= sandboxDir;
  env.USER ??= user.name;
  env.LOGNAME ??= user.name;
  return env;
}

function isExecutable(path: string): Promise<boolean> {
  return access(path, constants.X_OK).then(
    () => true,
    () => false,
  );
}
