import type { Logger } from '@tandem/protocol';
import { hostExec } from '../health/probe.js';
import { TaskHealth } from '../health/task-health.js';
import { buildTaskEnv, taskPorts } from '../task-env.js';
import type { TaskHandle, TaskHook } from './task-hook.js';

export interface HealthHookOptions {
  hostname: string;
  agentId: () => string;
  /** Stops every hook from starting checks (the agent is leaving its tasks). */
  detached: () => boolean;
  logger: Logger;
}

/**
 * Runs a task's health checks while it runs: changes of its health (all checks passing,
 * or one failing) become TASK_RUNNING updates. A check that reaches its consecutive
 * failures kills the task (Mesos) or, when `report_only`, is reported once per run of
 * failures as a TASK_RUNNING update with REASON_TASK_HEALTH_CHECK_FAILED.
 */
export function healthHook(options: HealthHookOptions): TaskHook {
  const log = options.logger;
  return {
    name: 'health',
    running(handle: TaskHandle): void {
      const task = handle.task;
      const checks = (task.info.healthChecks ?? []).filter((c) => c.type !== 'TYPE_UNSPECIFIED');
      const container = task.container;
      if (checks.length === 0 || !container || task.phase !== 'running' || options.detached()) return;
      const ports = taskPorts(task.info);
      const env = buildTaskEnv(
        task.info,
        {
          taskId: task.taskId,
          frameworkId: task.frameworkId,
          agentId: options.agentId(),
          sandboxDir: task.sandboxDir,
          hostname: options.hostname,
          ports,
        },
        task.secretValues,
      );
      const exec = container.exec ? container.exec.bind(container) : hostExec(task.sandboxDir, env);
      task.health = new TaskHealth({
        checks,
        target: { ports, exec },
        logger: log.child({ taskId: task.taskId }),
        onHealth: (healthy, message) => {
          if (task.phase !== 'running') return;
          task.healthy = healthy;
          void handle.report({ state: 'TASK_RUNNING', containerId: container.id, healthy, message });
        },
        onFailed: (kill, message) => {
          if (task.phase !== 'running') return;
          if (kill) {
            log.warn({ taskId: task.taskId, message }, 'health check failed; killing the task');
            handle.kill('REASON_TASK_HEALTH_CHECK_FAILED', handle.graceMs());
            return;
          }
          log.info({ taskId: task.taskId, message }, 'report-only health check failed; the framework decides');
          task.healthy = false;
          void handle.report({ state: 'TASK_RUNNING', reason: 'REASON_TASK_HEALTH_CHECK_FAILED', containerId: container.id, healthy: false, message });
        },
      });
      task.health.start();
    },
    stop(handle: TaskHandle): void {
      handle.task.health?.stop();
      handle.task.health = undefined;
    },
  };
}
