import type { TaskInfo } from '@tandem/protocol';
import type { MasterCore } from './master-core.js';
import type { FrameworkEntry } from './state-records.js';

/**
 * The ACLs on a launch, as Mesos checks them in its master: `run_tasks` (the framework's
 * principal -> the task's user: `command.user`, else `FrameworkInfo.user`, else "" for the
 * agent's default) and, for a Docker task, `run_images` (-> `container.docker.image`).
 * Returns the denial's message (the task becomes TASK_ERROR / REASON_TASK_UNAUTHORIZED),
 * or undefined when the task may run.
 */
export function launchUnauthorized(core: MasterCore, fw: FrameworkEntry, task: TaskInfo, field: string): string | undefined {
  const user = task.command?.user || fw.info.user || '';
  const users = core.auth.decide('run_tasks', fw.principal, user);
  if (!users.allowed) return `${field}.command.user: ${users.reason} (ACL ${users.rule})`;
  const image = task.container?.docker?.image ?? '';
  if (image !== '') {
    const images = core.auth.decide('run_images', fw.principal, image);
    if (!images.allowed) return `${field}.container.docker.image: ${images.reason} (ACL ${images.rule})`;
  }
  return undefined;
}
