import type { TaskStatus } from '@tandem/protocol';
import { describe, expect, it } from 'vitest';
import { exitCodeOf } from './exit-code.js';
import { formatStatus } from './format-status.js';

const status = (over: Partial<TaskStatus>): TaskStatus =>
  ({
    taskId: 't1',
    state: 'TASK_RUNNING',
    reason: 'REASON_NONE',
    source: 'SOURCE_AGENT',
    message: '',
    agentId: 'a1',
    frameworkId: 'f',
    uuid: 'u',
    timestamp: 1,
    hasExitCode: false,
    exitCode: 0,
    healthy: false,
    hasHealthy: false,
    containerId: '',
    ...over,
  }) as TaskStatus;

describe('execute output', () => {
  it('execute - prints a state change as one line with reason, exit code and message', () => {
    expect(formatStatus(status({}))).toBe('TASK_RUNNING task=t1 agent=a1');
    expect(
      formatStatus(status({ state: 'TASK_FAILED', reason: 'REASON_COMMAND_EXITED', hasExitCode: true, exitCode: 3, message: 'Command exited with status 3' })),
    ).toBe('TASK_FAILED task=t1 agent=a1 reason=REASON_COMMAND_EXITED exit=3 message="Command exited with status 3"');
  });

  it('execute - exits 0 for FINISHED, the exit code for FAILED, 1 otherwise', () => {
    expect(exitCodeOf(status({ state: 'TASK_FINISHED' }))).toBe(0);
    expect(exitCodeOf(status({ state: 'TASK_FAILED', hasExitCode: true, exitCode: 42 }))).toBe(42);
    expect(exitCodeOf(status({ state: 'TASK_FAILED' }))).toBe(1);
    expect(exitCodeOf(status({ state: 'TASK_KILLED', hasExitCode: true, exitCode: 143 }))).toBe(1);
    expect(exitCodeOf(undefined)).toBe(1);
  });
});
