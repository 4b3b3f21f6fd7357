import { Code, TandemError } from '@tandem/protocol';

/** The agent's own lifecycle, as data. */
export type AgentLifecycle = 'created' | 'starting' | 'running' | 'stopping' | 'stopped';

export const AGENT_TRANSITIONS: Readonly<Record<AgentLifecycle, readonly AgentLifecycle[]>> = {
  created: ['starting', 'stopped'],
  starting: ['running', 'stopping'],
  running: ['stopping'],
  stopping: ['stopped'],
  stopped: [],
};

export function checkAgentTransition(from: AgentLifecycle, to: AgentLifecycle): void {
  if (!AGENT_TRANSITIONS[from].includes(to)) {
    throw new TandemError(Code.FailedPrecondition, `agent cannot go from ${from} to ${to}`);
  }
}
