import { constants } from 'node:fs';
import { open, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { CgroupVersion } from './cgroups.js';

/**
 * The shell that runs a task for the process containerizer, as
 * `/bin/sh -c WRAPPER tandem-task/<agent>/<task> <cgroup.procs or ""> <exit file> <run-as or ""> <argv...>`.
 * It joins the cgroup, runs the argv verbatim ("$@": no shell interpretation), and
 * records the exit status in a file, so an agent that restarted meanwhile still learns
 * it. The command runs in the background and the trap (a handler, `:`) is set only
 * after the fork: a SIGTERM that lands while the child is between fork and exec then
 * has the default action and is not swallowed by an inherited handler. `wait` returns
 * early when the trap fires, hence the loop. (A background command starts with SIGINT
 * and SIGQUIT ignored: the process containerizer only ever sends TERM and KILL.)
 *
 * The wrapper runs as the agent's user (root: it must join the cgroup); run-as, when
 * given as `<uid>:<gid>`, switches to the task's user with SETPRIV for the task and for
 * writing the exit file: the sandbox belongs to that user, and root writing there could
 * be sent through a symlink the task left.
 */
export const WRAPPER = [
  'cg=$1; ex=$2; as=$3; shift 3',
  'if [ -n "$cg" ]; then echo $$ > "$cg" || { echo "tandem: cannot join the cgroup $cg" >&2; exit 125; }; fi',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: shell parameter expansion
  'if [ -n "$as" ]; then set -- /usr/bin/setpriv "--reuid=${as%:*}" "--regid=${as#*:}" --init-groups -- "$@"; fi',
  '"$@" &',
  'child=$!',
  'trap : TERM INT',
  'while :; do wait "$child"; rc=$?; kill -0 "$child" 2>/dev/null || break; done',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: shell parameter expansion
  'if [ -n "$as" ]; then set -- /usr/bin/setpriv "--reuid=${as%:*}" "--regid=${as#*:}" --init-groups --; else set --; fi',
  `"$@" /bin/sh -c 'echo "$1" > "$2.tmp" && mv -f "$2.tmp" "$2"' tandem-exit "$rc" "$ex"`,
  'exit "$rc"',
].join('\n');

/** Switches users for the wrapper (util-linux; no native code in the agent). */
export const SETPRIV = '/usr/bin/setpriv';

/** The wrapper of earlier versions, still recognised so that their tasks are recovered. */
const LEGACY_WRAPPERS: readonly string[] = [
  [
    'cg=$1; ex=$2; shift 2',
    'if [ -n "$cg" ]; then echo $$ > "$cg" || { echo "tandem: cannot join the cgroup $cg" >&2; exit 125; }; fi',
    '"$@" &',
    'child=$!',
    'trap : TERM INT',
    'while :; do wait "$child"; rc=$?; kill -0 "$child" 2>/dev/null || break; done',
    'echo "$rc" > "$ex.tmp" && mv -f "$ex.tmp" "$ex"',
    'exit "$rc"',
  ].join('\n'),
];

/** `$0` of the wrapper: names the agent and task, so /proc tells whose a process is. */
export function wrapperTag(agentId: string, taskId: string): string {
  return `tandem-task/${agentId}/${taskId}`;
}

/** The agent and task a wrapper's argv belongs to, or undefined when it is not ours. */
export function parseWrapperCmdline(argv: readonly string[] | undefined): { agentId: string; taskId: string } | undefined {
  if (argv?.[1] !== '-c' || (argv[2] !== WRAPPER && !LEGACY_WRAPPERS.includes(argv[2] ?? ''))) return undefined;
  const m = /^tandem-task\/([^/]+)\/(.+)$/.exec(argv[3] ?? '');
  return m?.[1] && m[2] ? { agentId: m[1], taskId: m[2] } : undefined;
}

export const EXIT_FILE = 'exit_status';
export const PID_FILE = 'pid';
export const STATE_FILE = 'container.json';

/** What the process containerizer checkpoints in the sandbox at launch. */
export interface ProcessCheckpoint {
  pid: number;
  /** From /proc/<pid>/stat, so that a reused pid is not mistaken for the task. */
  startTime: string;
  agentId: string;
  taskId: string;
  exitFile: string;
  memoryBytes: number;
  cgroup?: { version: CgroupVersion; path: string };
  /** The RSS monitor enforces the memory limit (no cgroup). */
  rssLimit: boolean;
}

/** Writes `pid` (the process group id, for people) and `container.json` (for recovery), as the agent's user. */
export async function writeCheckpoint(sandboxDir: string, cp: ProcessCheckpoint): Promise<void> {
  await writeNew(join(sandboxDir, PID_FILE), `${cp.pid}\n`);
  const tmp = join(sandboxDir, `${STATE_FILE}.tmp`);
  await writeNew(tmp, `${JSON.stringify(cp)}\n`);
  await rename(tmp, join(sandboxDir, STATE_FILE));
}

/** Creates a file afresh (O_EXCL): the task may already run, and never through a link it made. */
async function writeNew(path: string, data: string): Promise<void> {
  await rm(path, { force: true });
  await writeFile(path, data, { flag: 'wx' });
}

/**
 * Reads a small regular file of the sandbox, which the task's user can replace: never
 * through a symlink, never blocking on a FIFO, never more than 64 KiB.
 */
async function readTaskWritable(path: string): Promise<string> {
  const fd = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  try {
    if (!(await fd.stat()).isFile()) throw new Error(`${path} is not a regular file`);
    const buf = Buffer.alloc(64 * 1024);
    const { bytesRead } = await fd.read(buf, 0, buf.length, 0);
    return buf.subarray(0, bytesRead).toString('utf8');
  } finally {
    await fd.close();
  }
}

export async function readCheckpoint(sandboxDir: string): Promise<ProcessCheckpoint | undefined> {
  try {
    const cp = JSON.parse(await readTaskWritable(join(sandboxDir, STATE_FILE))) as Partial<ProcessCheckpoint>;
    if (typeof cp.pid !== 'number' || typeof cp.startTime !== 'string' || typeof cp.exitFile !== 'string') return undefined;
    return cp as ProcessCheckpoint;
  } catch {
    return undefined;
  }
}

/** The exit status the wrapper recorded, or undefined when there is none. */
export async function readExitFile(path: string): Promise<number | undefined> {
  try {
    const n = Number((await readTaskWritable(path)).trim());
    return Number.isInteger(n) ? n : undefined;
  } catch {
    return undefined;
  }
}
