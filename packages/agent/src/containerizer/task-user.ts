import { execFile } from 'node:child_process';
import { userInfo } from 'node:os';
import { Code } from '@tandem/protocol';
import { launchError } from './launch-failure.js';

/** A user account a process task runs as. */
export interface TaskUser {
  name: string;
  uid: number;
  gid: number;
  home: string;
}

/** What decides a process task's user: the agent's flags and its own identity. */
export interface TaskUserPolicy {
  /**
   * The user of a task that names none (`--task-user`). @default the agent's own user,
   * which for an agent running as root means root: set it (e.g. to nobody) in production
   */
  defaultUser?: string;
  /** Whether a task may run as root (`--allow-root-tasks`). @default false */
  allowRoot?: boolean;
}

/** A portable POSIX user name (and what useradd accepts, a trailing `$` included). */
const USER_NAME = /^[A-Za-z_][A-Za-z0-9_.-]{0,31}\$?$/;

/** Looks a user up through NSS (`getent passwd`), so LDAP and the like count too; undefined when unknown. */
export function lookupUser(name: string): Promise<TaskUser | undefined> {
  return new Promise((resolve, reject) => {
    execFile('getent', ['passwd', name], { timeout: 5_000 }, (err, stdout) => {
      // getent exits 2 for "no such key".
      if (err && (err as { code?: unknown }).code === 2) return resolve(undefined);
      if (err) return reject(new Error(`getent passwd ${name}: ${err.message}`));
      const f = stdout.trim().split('\n')[0]?.split(':') ?? [];
      const uid = Number(f[2]);
      const gid = Number(f[3]);
      if (f[0] !== name || !Number.isInteger(uid) || !Number.isInteger(gid)) return resolve(undefined);
      resolve({ name, uid, gid, home: f[5] ?? '/' });
    });
  });
}

/** How long a looked-up user is kept: launches come in bursts, each lookup is a process. */
const USER_CACHE_MS = 10_000;

/** `lookupUser` with its answers (found or not) kept for a few seconds; concurrent asks share one lookup. */
export class UserLookup {
  private readonly cache = new Map<string, { at: number; user: Promise<TaskUser | undefined> }>();

  lookup(name: string): Promise<TaskUser | undefined> {
    const hit = this.cache.get(name);
    if (hit && Date.now() - hit.at < USER_CACHE_MS) return hit.user;
    const user = lookupUser(name);
    this.cache.set(name, { at: Date.now(), user });
    // A failed lookup (getent missing, a timeout) is not kept.
    user.catch(() => this.cache.delete(name));
    return user;
  }
}

/**
 * The user a process task runs as, as Mesos' `--switch_user` picks it: the command's
 * user, else the framework's, else the agent's default. Throws a launch error when it
 * may not: root without `allowRoot` (TASK_ERROR, naming the field and the flag), an
 * unknown user or another user than the agent's own when the agent is not root
 * (TASK_FAILED, as Mesos fails the container's launch).
 */
export async function resolveTaskUser(
  commandUser: string,
  frameworkUser: string,
  policy: TaskUserPolicy,
  users: UserLookup = new UserLookup(),
): Promise<TaskUser> {
  const self = userInfo();
  const agentIsRoot = self.uid === 0;
  const field = commandUser ? 'command.user' : frameworkUser ? 'framework.user' : '--task-user';
  // Nothing named anywhere: the agent's own user, as before users were switched (the default
  // of nobody made process tasks miss the full suite's deadlines; see docs/security.md).
  const unnamed = !commandUser && !frameworkUser && !policy.defaultUser;
  const name = commandUser || frameworkUser || policy.defaultUser || self.username;
  if (!USER_NAME.test(name)) throw launchError('REASON_TASK_INVALID', `${field}: "${name}" is not a valid user name`, Code.InvalidArgument, 'TASK_ERROR');
  if (!agentIsRoot && name !== self.username) {
    throw launchError(
      'REASON_CONTAINER_LAUNCH_FAILED',
      `${field}: the agent runs as "${self.username}", not root, and can run tasks only as itself, not as "${name}"`,
      Code.PermissionDenied,
    );
  }
  const user = await users.lookup(name).catch((err: unknown) => {
    throw launchError('REASON_CONTAINER_LAUNCH_FAILED', `${field}: could not look up the user "${name}": ${(err as Error).message}`);
  });
  if (!user) throw launchError('REASON_CONTAINER_LAUNCH_FAILED', `${field}: no such user "${name}" on this agent`, Code.NotFound);
  if (user.uid === 0 && agentIsRoot && !policy.allowRoot && !unnamed) {
    throw launchError(
      'REASON_TASK_INVALID',
      `${field}: the task would run as root ("${name}"), which this agent refuses; start the agent with --allow-root-tasks to allow it`,
      Code.PermissionDenied,
      'TASK_ERROR',
    );
  }
  return user;
}
