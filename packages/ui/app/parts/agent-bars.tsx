import type { AgentRow } from '../api';
import { cpus, mem } from '../format';
import { href } from '../router';
import { Meter } from './meter';
import { StateBadge } from './state';

/** Agents as small cards with their CPU and memory bars. */
export function AgentBars({ agents }: { agents: readonly AgentRow[] }) {
  if (agents.length === 0) return <p class="muted">No agents have registered.</p>;
  return (
    <ul class="agent-bars">
      {agents.map((a) => (
        <li key={a.id} class="agent-bar">
          <div class="agent-bar-head">
            <a href={href(['agents', a.id])}>{a.hostname}</a> <StateBadge state={a.status} /> <span class="muted">{a.tasks} tasks</span>
          </div>
          <Meter label="CPU" used={a.allocated.cpus} total={a.total.cpus} text={`${cpus(a.allocated.cpus)}/${cpus(a.total.cpus)}`} />
          <Meter label="Memory" used={a.allocated.mem} total={a.total.mem} text={`${mem(a.allocated.mem)}/${mem(a.total.mem)}`} />
        </li>
      ))}
    </ul>
  );
}
