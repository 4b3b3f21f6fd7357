import type { TaskState, TaskStatus } from '@tandem/protocol';
import { describe, expect, it } from 'vitest';
import { StaleUpdateFilter } from './stale-updates.js';

const update = (taskId: string, state: TaskState, uuid = 'u'): TaskStatus => ({ taskId, state, uuid }) as TaskStatus;

describe('StaleUpdateFilter', () => {
  it('lets a task move forward and through repeats, and stops it moving back', () => {
    const f = new StaleUpdateFilter();
    expect(['TASK_STARTING', 'TASK_RUNNING', 'TASK_RUNNING', 'TASK_KILLING'].map((s) => f.isStale(update('t', s as TaskState)))).toEqual([
      false,
      false,
      false,
      false,
    ]);
    expect(f.isStale(update('t', 'TASK_RUNNING'))).toBe(true);
    expect(f.isStale(update('t', 'TASK_KILLED'))).toBe(false);
    expect(f.isStale(update('t', 'TASK_RUNNING'))).toBe(true);
    expect(f.isStale(update('other', 'TASK_STARTING'))).toBe(false);
  });

  it('never holds back an update without a uuid, and follows TASK_LOST and UNREACHABLE coming back', () => {
    const f = new StaleUpdateFilter();
    f.isStale(update('t', 'TASK_FINISHED'));
    expect(f.isStale(update('t', 'TASK_RUNNING', ''))).toBe(false);
    const g = new StaleUpdateFilter();
    g.isStale(update('t', 'TASK_UNREACHABLE', ''));
    expect(g.isStale(update('t', 'TASK_RUNNING'))).toBe(false);
    g.isStale(update('t', 'TASK_LOST', ''));
    expect(g.isStale(update('t', 'TASK_RUNNING'))).toBe(false);
  });

  it('remembers at most max tasks, forgetting the least recently seen', () => {
    const f = new StaleUpdateFilter(2);
    f.isStale(update('a', 'TASK_FINISHED'));
    f.isStale(update('b', 'TASK_FINISHED'));
    f.isStale(update('c', 'TASK_FINISHED'));
    expect(f.isStale(update('a', 'TASK_RUNNING'))).toBe(false);
    expect(f.isStale(update('c', 'TASK_RUNNING'))).toBe(true);
    f.forget('c');
    expect(f.isStale(update('c', 'TASK_RUNNING'))).toBe(false);
  });
});
