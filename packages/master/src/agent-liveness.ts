import { isTerminal } from '@tandem/protocol';
import type { AgentEntry } from './entries.js';
import type { AgentLink } from './links.js';
import type { MasterCore } from './master-core.js';
import { masterUpdate } from './status-updates.js';

/** An agent's stream closed: the agent is DISCONNECTED until it returns or misses too many pings. */
export function agentStreamClosed(core: MasterCore, agentId: string, link: AgentLink): void {
  const agent = core.agents.get(agentId);
  if (!agent || agent.link !== link) return;
  agent.link = undefined;
  if (agent.phase === 'ACTIVE') agent.phase = 'DISCONNECTED';
  for (const offerId of [...agent.offerIds]) core.rescindOffer(offerId, true);
  core.allocator.setAgentActive(agentId, false);
  core.logReads.agentDisconnected(agentId);
  core.log.warn({ agentId }, 'agent disconnected; waiting for it to come back before marking it unreachable');
}

/** One ping round: pings every reachable agent, and marks unreachable those that missed too many. */
export function pingAgents(core: MasterCore): void {
  for (const agent of core.agents.values()) {
    if (agent.phase === 'UNREACHABLE') continue;
    if (agent.missedPings >= core.options.maxMissedPings) {
      markUnreachable(core, agent);
      continue;
    }
    agent.missedPings++;
    agent.link?.send({ ping: { seq: ++agent.pingSeq } });
  }
}

function markUnreachable(core: MasterCore, agent: AgentEntry): void {
  core.log.warn({ agentId: agent.id, hostname: agent.info.hostname }, 'agent unreachable: missed too many pings');
  agent.phase = 'UNREACHABLE';
  agent.link?.end();
  agent.link = undefined;
  for (const offerId of [...agent.offerIds]) core.rescindOffer(offerId, false);
  core.allocator.removeAgent(agent.id);
  for (const key of agent.taskKeys) {
    const task = core.tasks.get(key);
    if (!task || isTerminal(task.state)) continue;
    masterUpdate(core, task, 'TASK_UNREACHABLE', 'REASON_AGENT_UNREACHABLE', `agent ${agent.id} (${agent.info.hostname}) is unreachable`);
  }
  for (const fw of core.frameworks.values()) {
    fw.stream?.send({ failure: { agentId: agent.id, message: 'agent unreachable' } });
  }
  core.emit({ agentUnreachable: agent.info });
}
