import { checkEnvSecrets, checkId, Resources, rangeCount, type StatusReason, TandemError, type TaskInfo, validateHealthChecks } from '@tandem/protocol';

export interface LaunchCheckContext {
  /** Resources of the accepted offers not yet used by earlier tasks of the call. */
  pool: Resources;
  /** Containerizers the agent runs. */
  containerizers: ReadonlySet<string>;
  /** True when the framework already has a live task with this id (or one earlier in the call). */
  taken(taskId: string): boolean;
}

export type LaunchCheck = { ok: true; resources: Resources } | { ok: false; reason: StatusReason; message: string };

const invalid = (message: string): LaunchCheck => ({ ok: false, reason: 'REASON_TASK_INVALID', message });

/**
 * Validates one task of an ACCEPT's LAUNCH against its offers, as the Mesos master
 * does: a bad task gets TASK_ERROR with a reason naming the field; others still launch.
 */
export function checkLaunch(task: TaskInfo, field: string, ctx: LaunchCheckContext): LaunchCheck {
  try {
    checkId(`${field}.task_id`, task.taskId);
  } catch (err) {
    return invalid(TandemError.from(err).message);
  }
  if (ctx.taken(task.taskId)) return invalid(`${field}.task_id: task ${task.taskId} already exists for this framework`);
  let resources: Resources;
  try {
    resources = Resources.fromWire(task.resources, `${field}.resources`);
  } catch (err) {
    return invalid(TandemError.from(err).message);
  }
  if (resources.cpus <= 0 && resources.mem <= 0) {
    return invalid(`${field}.resources: a task needs some cpus or mem`);
  }
  const cmd = task.command;
  const hasCommand = !!cmd && (cmd.shell ? cmd.value.trim() !== '' : cmd.arguments.length > 0);
  const type = task.container?.type ?? 'TYPE_UNSPECIFIED';
  const image = task.container?.docker?.image ?? '';
  if (type === 'DOCKER' || image !== '') {
    if (image === '') return invalid(`${field}.container.docker.image: a DOCKER container needs an image`);
    if (!ctx.containerizers.has('docker')) {
      return invalid(`${field}.container: the agent does not run the docker containerizer`);
    }
  } else if (!hasCommand) {
    return invalid(`${field}.command: a task needs a command (shell value or arguments)`);
  } else if (!ctx.containerizers.has('process') && !ctx.containerizers.has('hollow')) {
    return invalid(`${field}.container: the agent does not run the process containerizer`);
  }
  for (const [i, env] of (cmd?.environment ?? []).entries()) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(env.name)) {
      return invalid(`${field}.command.environment[${i}].name: "${env.name}" is not a valid variable name`);
    }
  }
  try {
    // Only a reference to a secret travels here; its value stays on the agent.
    checkEnvSecrets(`${field}.command.environment`, cmd?.environment ?? []);
  } catch (err) {
    return invalid(TandemError.from(err).message);
  }
  const grace = task.killPolicy?.gracePeriodSeconds ?? 0;
  if (!Number.isFinite(grace) || grace < 0) {
    return invalid(`${field}.kill_policy.grace_period_seconds: must be a finite number >= 0`);
  }
  try {
    validateHealthChecks(task.healthChecks, rangeCount(resources.ports), `${field}.health_checks`);
  } catch (err) {
    return invalid(TandemError.from(err).message);
  }
  const missing = ctx.pool.missing(resources);
  if (missing.length > 0) {
    return {
      ok: false,
      reason: 'REASON_RESOURCES_UNKNOWN',
      message: `${field}.resources: ${resources.toString()} is not within the offered resources left (${ctx.pool.toString()}); short of ${missing.join(', ')}`,
    };
  }
  return { ok: true, resources };
}
