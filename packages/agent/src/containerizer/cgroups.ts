import { constants } from 'node:fs';
import { access, mkdir, readFile, rmdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { sleep } from '@tandem/protocol';

export type CgroupVersion = 'v1' | 'v2';

/** One task's memory cgroup. */
export interface MemoryCgroup {
  readonly version: CgroupVersion;
  /** The cgroup directory. */
  readonly path: string;
  /** The file a process writes its pid to, to join the cgroup. */
  readonly procsPath: string;
  /** True when the kernel's OOM killer killed a process of this cgroup. */
  oomKilled(): Promise<boolean>;
  /** SIGKILLs what is left in the cgroup and removes it. Safe to call twice. */
  remove(): Promise<void>;
}

async function writable(path: string): Promise<boolean> {
  try {
    await access(path, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}

/** Reads `key N` from a flat keyed file such as memory.events or memory.oom_control. */
async function readKey(file: string, key: string): Promise<number | undefined> {
  try {
    const text = await readFile(file, 'utf8');
    const m = new RegExp(`^${key} (\\d+)$`, 'm').exec(text);
    return m?.[1] !== undefined ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

class Cgroup implements MemoryCgroup {
  readonly procsPath: string;
  constructor(
    readonly version: CgroupVersion,
    readonly path: string,
  ) {
    this.procsPath = join(path, 'cgroup.procs');
  }

  async oomKilled(): Promise<boolean> {
    if (this.version === 'v2') return ((await readKey(join(this.path, 'memory.events'), 'oom_kill')) ?? 0) > 0;
    const kills = await readKey(join(this.path, 'memory.oom_control'), 'oom_kill');
    if (kills !== undefined) return kills > 0;
    // Kernels before 4.13 have no oom_kill count: hitting the limit is the best sign.
    return Number(await readFile(join(this.path, 'memory.failcnt'), 'utf8').catch(() => '0')) > 0;
  }

  async remove(): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      const pids = (await readFile(this.procsPath, 'utf8').catch(() => ''))
        .split('\n')
        .filter((l) => l.trim() !== '')
        .map(Number);
      for (const pid of pids) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // gone already
        }
      }
      try {
        await rmdir(this.path);
        return;
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'ENOENT') return;
        // EBUSY until the killed processes are reaped.
        if (code !== 'EBUSY' || attempt >= 50) throw err;
        await sleep(20);
      }
    }
  }
}

/**
 * Creates per-task memory cgroups under `<root>/memory/<parent>` (v1) or
 * `<root>/<parent>` (v2). Use `MemoryCgroups.detect()` to find which one works here.
 */
export class MemoryCgroups {
  private constructor(
    readonly version: CgroupVersion,
    /** The directory holding the tasks' cgroups. */
    readonly base: string,
    private readonly swapFile: string | undefined,
  ) {}

  /**
   * The cgroup hierarchy this host lets us use: v1 when `<root>/memory` is writable, else
   * v2 when `<root>/cgroup.controllers` lists memory and the subtree can be enabled.
   * Undefined when neither (then the RSS monitor has to do).
   */
  static async detect(root = '/sys/fs/cgroup', parent = 'tandem'): Promise<MemoryCgroups | undefined> {
    const v1 = join(root, 'memory');
    if (await exists(join(v1, 'memory.limit_in_bytes'))) {
      if (!(await writable(v1))) return undefined;
      const base = join(v1, parent);
      try {
        await mkdir(base, { recursive: true });
      } catch {
        return undefined;
      }
      const memsw = (await exists(join(base, 'memory.memsw.limit_in_bytes'))) ? 'memory.memsw.limit_in_bytes' : undefined;
      return new MemoryCgroups('v1', base, memsw);
    }
    const controllers = await readFile(join(root, 'cgroup.controllers'), 'utf8').catch(() => '');
    if (!controllers.split(/\s+/).includes('memory') || !(await writable(root))) return undefined;
    const base = join(root, parent);
    try {
      await mkdir(base, { recursive: true });
      // Children get memory.* files only when every ancestor delegates the controller.
      await writeFile(join(root, 'cgroup.subtree_control'), '+memory');
      await writeFile(join(base, 'cgroup.subtree_control'), '+memory');
    } catch {
      return undefined;
    }
    return new MemoryCgroups('v2', base, 'memory.swap.max');
  }

  /** A new cgroup `name` limited to `limitBytes` of memory, swap forbidden. */
  async create(name: string, limitBytes: number): Promise<MemoryCgroup> {
    const path = join(this.base, name);
    await mkdir(path);
    const cg = new Cgroup(this.version, path);
    try {
      if (this.version === 'v1') {
        await writeFile(join(path, 'memory.limit_in_bytes'), String(limitBytes));
        // memory+swap must be set after memory (it may never be below it).
        if (this.swapFile) await writeFile(join(path, this.swapFile), String(limitBytes));
      } else {
        await writeFile(join(path, 'memory.max'), String(limitBytes));
        if (await exists(join(path, 'memory.swap.max'))) await writeFile(join(path, 'memory.swap.max'), '0');
      }
    } catch (err) {
      await cg.remove().catch(() => undefined);
      throw err;
    }
    return cg;
  }

  /** The cgroup at `path` (checkpointed at launch), if it still exists. */
  static async open(version: CgroupVersion, path: string): Promise<MemoryCgroup | undefined> {
    return (await exists(path)) ? new Cgroup(version, path) : undefined;
  }
}
