import { describe, expect, it } from 'vitest';
import { AGENT_TRANSITIONS, checkAgentTransition } from './agent-lifecycle.js';
import { canEnterPhase, checkPhaseTransition, TASK_PHASE_TRANSITIONS } from './task-phase.js';

describe('agent lifecycles', () => {
  it('agent lifecycles - a task phase only moves forward and terminated is final', () => {
    expect(canEnterPhase('launching', 'running')).toBe(true);
    expect(canEnterPhase('running', 'killing')).toBe(true);
    expect(canEnterPhase('killing', 'running')).toBe(false);
    expect(TASK_PHASE_TRANSITIONS.terminated).toEqual([]);
    expect(() => checkPhaseTransition('t1', 'terminated', 'running')).toThrow(/t1: illegal phase transition terminated -> running/);
  });

  it('agent lifecycles - the agent cannot restart once stopped', () => {
    expect(AGENT_TRANSITIONS.stopped).toEqual([]);
    expect(() => checkAgentTransition('stopped', 'starting')).toThrow(/stopped to starting/);
    expect(() => checkAgentTransition('created', 'starting')).not.toThrow();
  });
});
