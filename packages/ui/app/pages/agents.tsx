import { useEffect, useState } from 'preact/hooks';
import { type AgentRow, type Page, query } from '../api';
import { ago, cpus, mem, shortId } from '../format';
import { useLiveRefresh } from '../live';
import { Meter } from '../parts/meter';
import { DataTable, ErrorNote, Loading } from '../parts/notes';
import { Pager } from '../parts/pager';
import { StateBadge } from '../parts/state';
import { href, type Route, setParams } from '../router';
import { useFetch } from '../use-fetch';

const LIMIT = 50;

export const AGENT_EVENTS = ['agent_added', 'agent_removed', 'agent_unreachable', 'agent_drain', 'task_added', 'task_updated'];

export function AgentsPage({ route }: { route: Route }) {
  const offset = Number(route.params.get('offset') ?? 0) || 0;
  const q = route.params.get('q') ?? '';
  const status = route.params.get('status') ?? '';
  const agents = useFetch<Page<AgentRow>>(`/api/v1/ui/agents${query({ q, status, offset, limit: LIMIT })}`);
  useLiveRefresh(AGENT_EVENTS, agents.reload);
  const [text, setText] = useState(q);
  useEffect(() => setText(q), [q]);
  useEffect(() => {
    if (text === q) return;
    const t = setTimeout(() => setParams(route, { q: text, offset: undefined }), 250);
    return () => clearTimeout(t);
  }, [text]);
  return (
    <section aria-labelledby="agents-h">
      <h1 id="agents-h">Agents</h1>
      <form class="filters" aria-label="Filter agents" onSubmit={(e) => e.preventDefault()}>
        <label>
          Status
          <select value={status} onChange={(e) => setParams(route, { status: (e.target as HTMLSelectElement).value, offset: undefined })}>
            <option value="">any</option>
            <option value="active">active</option>
            <option value="disconnected">disconnected</option>
            <option value="unreachable">unreachable</option>
            <option value="draining">draining</option>
            <option value="drained">drained</option>
          </select>
        </label>
        <label>
          Search
          <input type="search" value={text} placeholder="hostname or id" onInput={(e) => setText((e.target as HTMLInputElement).value)} />
        </label>
      </form>
      <ErrorNote error={agents.error} />
      {!agents.data ? (
        <Loading what="agents" />
      ) : agents.data.items.length === 0 ? (
        <p class="muted">No agents match.</p>
      ) : (
        <DataTable caption="Agents">
          <thead>
            <tr>
              <th scope="col">Agent</th>
              <th scope="col">Status</th>
              <th scope="col">CPU</th>
              <th scope="col">Memory</th>
              <th scope="col">Tasks</th>
              <th scope="col" class="wide">
                Attributes
              </th>
              <th scope="col" class="wide">
                Registered
              </th>
            </tr>
          </thead>
          <tbody>
            {agents.data.items.map((a) => (
              <tr key={a.id} data-agent-id={a.id}>
                <th scope="row">
                  <a href={href(['agents', a.id])}>{a.hostname}</a>
                  <div class="muted small">{shortId(a.id)}</div>
                </th>
                <td>
                  <StateBadge state={a.status} />
                </td>
                <td>
                  <Meter label={`CPU of ${a.hostname}`} used={a.allocated.cpus} total={a.total.cpus} text={`${cpus(a.allocated.cpus)}/${cpus(a.total.cpus)}`} />
                </td>
                <td>
                  <Meter label={`Memory of ${a.hostname}`} used={a.allocated.mem} total={a.total.mem} text={`${mem(a.allocated.mem)}/${mem(a.total.mem)}`} />
                </td>
                <td>
                  <a href={href(['tasks'], { agent: a.id })}>{a.tasks}</a>
                </td>
                <td class="wide">
                  {Object.entries(a.attributes)
                    .map(([k, v]) => `${k}:${v}`)
                    .join(' ')}
                </td>
                <td class="wide">{ago(a.registeredAt)}</td>
              </tr>
            ))}
          </tbody>
        </DataTable>
      )}
      {agents.data ? (
        <Pager offset={offset} limit={LIMIT} total={agents.data.total} what="agents" onOffset={(o) => setParams(route, { offset: o || undefined })} />
      ) : null}
    </section>
  );
}
