import { readdir, readFile } from 'node:fs/promises';

/** What the agent needs from `/proc/<pid>/stat`. */
export interface ProcStat {
  pid: number;
  /** One letter: R, S, D, Z (zombie), T... */
  state: string;
  pgrp: number;
  /** Start time in clock ticks since boot: with the pid, identifies a process across pid reuse. */
  startTime: string;
}

/** Parses `/proc/<pid>/stat`; undefined when the process does not exist. */
export async function readProcStat(pid: number): Promise<ProcStat | undefined> {
  let text: string;
  try {
    text = await readFile(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // The command name (field 2) is in parentheses and may hold spaces and parentheses.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  // fields[0] is field 3 of proc(5): state; 5: pgrp; 22: starttime.
  const state = fields[0];
  const pgrp = Number(fields[2]);
  const startTime = fields[19];
  if (state === undefined || startTime === undefined || !Number.isInteger(pgrp)) return undefined;
  return { pid, state, pgrp, startTime };
}

/** The argv of a process, or undefined when it is gone (or a kernel thread). */
export async function readCmdline(pid: number): Promise<string[] | undefined> {
  try {
    const raw = await readFile(`/proc/${pid}/cmdline`, 'utf8');
    if (raw.length === 0) return undefined;
    return raw.replace(/\0$/, '').split('\0');
  } catch {
    return undefined;
  }
}

/** The resident set size of a process in bytes (VmRSS), 0 when gone. */
export async function readRssBytes(pid: number): Promise<number> {
  try {
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
    return m?.[1] ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** The pids in /proc. */
export async function listPids(): Promise<number[]> {
  const names = await readdir('/proc');
  return names.filter((n) => /^\d+$/.test(n)).map(Number);
}

/** True when `pid` is alive (not a zombie) and is the process that started at `startTime`. */
export async function isSameProcess(pid: number, startTime: string): Promise<boolean> {
  const stat = await readProcStat(pid);
  return stat !== undefined && stat.state !== 'Z' && stat.startTime === startTime;
}

/** True when some process of the group still exists (zombies included). */
export function groupExists(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Sends `signal` to a whole process group; false when the group is gone. */
export function signalGroup(pgid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch {
    return false;
  }
}

/** The live (non-zombie) pids of a process group. */
export async function groupMembers(pgid: number): Promise<number[]> {
  const pids = await listPids();
  const stats = await Promise.all(pids.map((pid) => readProcStat(pid)));
  return stats.filter((s): s is ProcStat => s !== undefined && s.pgrp === pgid && s.state !== 'Z').map((s) => s.pid);
}

/**
 * SIGKILLs every member of the group but its leader (the wrapper shell), so that the
 * wrapper lives to record the exit status; the leader too when it is alone.
 */
export function killMembers(pgid: number, members: readonly number[]): void {
  const others = members.filter((p) => p !== pgid);
  for (const pid of others.length > 0 ? others : members) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}
