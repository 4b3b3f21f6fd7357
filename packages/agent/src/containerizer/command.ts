import type { TaskInfo } from '@tandem/protocol';

/**
 * The argv a task asks for: `/bin/sh -c value` when `command.shell`, else `arguments`
 * as they are. Undefined when the task names no command (Docker then runs the image's).
 */
export function taskArgv(task: TaskInfo): string[] | undefined {
  const command = task.command;
  if (!command) return undefined;
  if (command.shell) return command.value ? ['/bin/sh', '-c', command.value] : undefined;
  return command.arguments.length > 0 ? [...command.arguments] : undefined;
}
