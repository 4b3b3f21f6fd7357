import { checkEnvSecrets, checkId, Resources, rangeCount, type TaskInfo, ValidationError, validateHealthChecks } from '@tandem/protocol';
import { dockerFieldProblem, dockerHostFieldsOf } from './containerizer/docker-request.js';
import { dockerSettingsOf } from './containerizer/docker-settings.js';

export interface ValidTask {
  taskId: string;
  resources: Resources;
  /** 'docker' when the task needs Docker, 'process' otherwise. */
  containerizer: 'docker' | 'process';
}

const MAX_PORT = 65535;

/** Checks a TaskInfo the master forwarded; throws a ValidationError naming the field at fault. */
export function validateTask(task: TaskInfo): ValidTask {
  const taskId = checkId('task_id', task.taskId);
  const resources = Resources.fromWire(task.resources, 'resources');
  for (const r of resources.ports) {
    if (r.end > MAX_PORT) throw new ValidationError('resources.ports', `port ${r.end} is above ${MAX_PORT}`);
  }
  const container = task.container;
  const wantsDocker = container?.type === 'DOCKER' || Boolean(container?.docker?.image);
  if (wantsDocker && !container?.docker?.image) {
    throw new ValidationError('container.docker.image', 'a DOCKER container needs an image');
  }
  if (wantsDocker) {
    const malformed = dockerFieldProblem(container?.docker);
    if (malformed) throw new ValidationError(malformed.field, malformed.problem);
    const settings = dockerSettingsOf(container?.docker);
    if ('problem' in settings) throw new ValidationError(settings.field, settings.problem);
  } else {
    // Never dropped: a process task cannot have what only a container gives.
    const [docker] = dockerHostFieldsOf(container?.docker);
    if (docker) throw new ValidationError(docker, 'needs a DOCKER container with an image (container.docker.image)');
  }
  const command = task.command;
  const hasCommand = Boolean(command && (command.value || (command.arguments ?? []).length > 0));
  // A Docker task may leave the command empty to run the image's own entrypoint/CMD.
  if (!hasCommand && !wantsDocker) {
    throw new ValidationError('command', 'a task needs a command (value or arguments)');
  }
  if (command?.shell && !command.value) throw new ValidationError('command.value', 'a shell command needs a value');
  checkEnvSecrets('command.environment', command?.environment ?? []);
  const grace = task.killPolicy?.gracePeriodSeconds;
  if (grace !== undefined && (!Number.isFinite(grace) || grace < 0)) {
    throw new ValidationError('kill_policy.grace_period_seconds', `must be a non-negative number, got ${String(grace)}`);
  }
  validateHealthChecks(task.healthChecks ?? [], rangeCount(resources.ports));
  return { taskId, resources, containerizer: wantsDocker ? 'docker' : 'process' };
}
