import { useEffect, useState } from 'preact/hooks';
import { type FrameworkRow, type Page, query, type TaskRow } from '../api';
import { ago, cpus, mem, shortId } from '../format';
import { useLiveRefresh } from '../live';
import { DataTable, ErrorNote, Loading } from '../parts/notes';
import { Pager } from '../parts/pager';
import { StateBadge } from '../parts/state';
import { href, type Route, setParams } from '../router';
import { useFetch } from '../use-fetch';

const LIMIT = 50;
const STATES = [
  'staging',
  'starting',
  'running',
  'killing',
  'unreachable',
  'finished',
  'failed',
  'killed',
  'lost',
  'error',
  'dropped',
  'gone',
  'gone_by_operator',
];

/** The page of tasks a route shows (its filters and offset). */
export function tasksUrl(p: URLSearchParams): string {
  const offset = Number(p.get('offset') ?? 0) || 0;
  return `/api/v1/ui/tasks${query({ state: p.get('state') ?? '', framework: p.get('framework') ?? '', agent: p.get('agent') ?? '', q: p.get('q') ?? '', offset, limit: LIMIT })}`;
}

export function TasksPage({ route }: { route: Route }) {
  const p = route.params;
  const offset = Number(p.get('offset') ?? 0) || 0;
  const state = p.get('state') ?? '';
  const framework = p.get('framework') ?? '';
  const agent = p.get('agent') ?? '';
  const q = p.get('q') ?? '';
  const tasks = useFetch<Page<TaskRow>>(tasksUrl(p));
  const frameworks = useFetch<{ frameworks: Pick<FrameworkRow, 'id' | 'name'>[] }>('/api/v1/ui/frameworks?names=1');
  useLiveRefresh(['task_added', 'task_updated'], tasks.reload);
  useLiveRefresh(['framework_added', 'framework_removed'], frameworks.reload);
  // The search box applies as one types, a moment after the last key.
  const [text, setText] = useState(q);
  useEffect(() => setText(q), [q]);
  useEffect(() => {
    if (text === q) return;
    const t = setTimeout(() => setParams(route, { q: text, offset: undefined }), 250);
    return () => clearTimeout(t);
  }, [text]);
  return (
    <section aria-labelledby="tasks-h">
      <h1 id="tasks-h">Tasks</h1>
      <form class="filters" aria-label="Filter tasks" onSubmit={(e) => e.preventDefault()}>
        <label>
          State
          <select value={state} onChange={(e) => setParams(route, { state: (e.target as HTMLSelectElement).value, offset: undefined })}>
            <option value="">any</option>
            {STATES.map((s) => (
              <option key={s} value={s}>
                {s.replace(/_/g, ' ')}
              </option>
            ))}
          </select>
        </label>
        <label>
          Framework
          <select value={framework} onChange={(e) => setParams(route, { framework: (e.target as HTMLSelectElement).value, offset: undefined })}>
            <option value="">any</option>
            {(frameworks.data?.frameworks ?? []).map((f) => (
              <option key={f.id} value={f.id}>
                {f.name || f.id}
              </option>
            ))}
          </select>
        </label>
        <label>
          Search by id
          <input type="search" value={text} placeholder="task id" onInput={(e) => setText((e.target as HTMLInputElement).value)} />
        </label>
        {agent ? (
          <span class="chip">
            agent {shortId(agent)}{' '}
            <button type="button" aria-label="Clear the agent filter" onClick={() => setParams(route, { agent: undefined, offset: undefined })}>
              ×
            </button>
          </span>
        ) : null}
      </form>
      <ErrorNote error={tasks.error} />
      {!tasks.data ? <Loading what="tasks" /> : <TaskTable rows={tasks.data.items} />}
      {tasks.data ? (
        <Pager offset={offset} limit={LIMIT} total={tasks.data.total} what="tasks" onOffset={(o) => setParams(route, { offset: o || undefined })} />
      ) : null}
    </section>
  );
}

export function TaskTable({ rows }: { rows: readonly TaskRow[] }) {
  if (rows.length === 0) return <p class="muted">No tasks match.</p>;
  return (
    <DataTable caption="Tasks">
      <thead>
        <tr>
          <th scope="col">Task</th>
          <th scope="col">State</th>
          <th scope="col" class="wide">
            Framework
          </th>
          <th scope="col" class="wide">
            Agent
          </th>
          <th scope="col" class="wide">
            Resources
          </th>
          <th scope="col">Updated</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((t) => (
          <tr key={`${t.frameworkId}/${t.id}`} data-task-id={t.id}>
            <th scope="row">
              <a href={href(['tasks', t.id])}>{t.name || t.id}</a>
              {t.name && t.name !== t.id ? <div class="muted small">{shortId(t.id)}</div> : null}
            </th>
            <td>
              <StateBadge state={t.state} />
            </td>
            <td class="wide">{t.framework || shortId(t.frameworkId)}</td>
            <td class="wide">
              <a href={href(['agents', t.agentId])}>{t.hostname || shortId(t.agentId)}</a>
            </td>
            <td class="wide">
              {cpus(Number(t.resources.cpus ?? 0))} cpu · {mem(Number(t.resources.mem ?? 0))}
            </td>
            <td>{ago(t.updatedAt)}</td>
          </tr>
        ))}
      </tbody>
    </DataTable>
  );
}
