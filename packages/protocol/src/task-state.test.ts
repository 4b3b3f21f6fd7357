import { describe, expect, it } from 'vitest';
import { canTransition, isTerminal, TASK_TRANSITIONS, TaskStates } from './task-state.js';

describe('task states', () => {
  it('task-state - every state has a transition entry', () => {
    expect(Object.keys(TASK_TRANSITIONS).sort()).toEqual(Object.values(TaskStates).sort());
  });

  it('task-state - terminal states go nowhere except LOST, which a returning agent may revive', () => {
    for (const s of Object.values(TaskStates)) {
      if (isTerminal(s) && s !== 'TASK_LOST') expect(TASK_TRANSITIONS[s]).toEqual([]);
    }
    expect(canTransition('TASK_LOST', 'TASK_RUNNING')).toBe(true);
  });

  it('task-state - the normal lifecycle is allowed and going backwards is not', () => {
    expect(canTransition('TASK_STAGING', 'TASK_STARTING')).toBe(true);
    expect(canTransition('TASK_STARTING', 'TASK_RUNNING')).toBe(true);
    expect(canTransition('TASK_RUNNING', 'TASK_KILLING')).toBe(true);
    expect(canTransition('TASK_KILLING', 'TASK_KILLED')).toBe(true);
    expect(canTransition('TASK_RUNNING', 'TASK_STARTING')).toBe(false);
    expect(canTransition('TASK_FINISHED', 'TASK_RUNNING')).toBe(false);
    expect(canTransition('TASK_UNREACHABLE', 'TASK_RUNNING')).toBe(true);
  });

  it('task-state - GONE_BY_OPERATOR ends a task from any live state and never moves again (a gone agent cannot return)', () => {
    expect(isTerminal('TASK_GONE_BY_OPERATOR')).toBe(true);
    for (const from of ['TASK_STAGING', 'TASK_STARTING', 'TASK_RUNNING', 'TASK_KILLING', 'TASK_UNREACHABLE'] as const) {
      expect(canTransition(from, 'TASK_GONE_BY_OPERATOR')).toBe(true);
    }
    expect(TASK_TRANSITIONS.TASK_GONE_BY_OPERATOR).toEqual([]);
  });
});
