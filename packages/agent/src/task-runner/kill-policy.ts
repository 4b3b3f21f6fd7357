import type { KillTask, StatusReason } from '@tandem/protocol';
import type { AgentTask } from '../agent-task.js';

function graceSeconds(value: number | undefined): number | undefined {
  return value !== undefined && Number.isFinite(value) && value > 0 ? value : undefined;
}

/** The task's own grace period: its kill policy, else the agent's default. */
export function taskGraceMs(task: AgentTask, defaultMs: number): number {
  const s = graceSeconds(task.info.killPolicy?.gracePeriodSeconds);
  return s !== undefined ? s * 1000 : defaultMs;
}

/** A `kill_tasks` entry's grace period (the kill's, else the task's, else the default) and reason. */
export function killOf(kill: KillTask, task: AgentTask, defaultMs: number): { reason: StatusReason; graceMs: number } {
  const graceS = graceSeconds(kill.killPolicy?.gracePeriodSeconds) ?? graceSeconds(task.info.killPolicy?.gracePeriodSeconds);
  const graceMs = graceS !== undefined ? graceS * 1000 : defaultMs;
  const reason: StatusReason = kill.reason && kill.reason !== 'REASON_NONE' ? kill.reason : 'REASON_KILLED_BY_FRAMEWORK';
  return { reason, graceMs };
}
