import { useEffect, useState } from 'preact/hooks';
import type { AgentRow, Overview, Page, UtilisationSample } from '../api';
import { count, cpus, mem, stateName } from '../format';
import { useLiveRefresh } from '../live';
import { AgentBars } from '../parts/agent-bars';
import { LazyChart } from '../parts/lazy-chart';
import { Meter } from '../parts/meter';
import { ErrorNote, Loading } from '../parts/notes';
import { href } from '../router';
import { useFetch } from '../use-fetch';

const TASK_ORDER = [
  'TASK_STAGING',
  'TASK_STARTING',
  'TASK_RUNNING',
  'TASK_KILLING',
  'TASK_UNREACHABLE',
  'TASK_FINISHED',
  'TASK_FAILED',
  'TASK_KILLED',
  'TASK_LOST',
  'TASK_ERROR',
];

export const OVERVIEW_PATH = '/api/v1/ui/overview';
export const OVERVIEW_AGENTS = '/api/v1/ui/agents?limit=12';

export function OverviewPage() {
  const overview = useFetch<Overview>(OVERVIEW_PATH);
  const agents = useFetch<Page<AgentRow>>(OVERVIEW_AGENTS);
  useLiveRefresh(['task_added', 'task_updated', 'agent_added', 'agent_removed', 'agent_unreachable', 'framework_added', 'framework_removed'], () => {
    overview.reload();
    agents.reload();
  });
  // The chart: the master's samples (one every 10 s), then one more at every refresh of this page.
  const [samples, setSamples] = useState<UtilisationSample[]>([]);
  useEffect(() => {
    const o = overview.data;
    if (!o) return;
    setSamples((old) => {
      const base = old.length === 0 ? o.history : old;
      const now: UtilisationSample = { at: Date.now() / 1000, total: o.utilisation.total, allocated: o.utilisation.allocated, tasks: o.tasks.active };
      return [...base, now].slice(-720);
    });
  }, [overview.data]);
  const o = overview.data;
  return (
    <section aria-labelledby="overview-h">
      <h1 id="overview-h">Overview</h1>
      <ErrorNote error={overview.error} />
      {!o ? (
        <Loading what="the overview" />
      ) : (
        <>
          <div class="cards">
            <a class="card" href={href(['agents'])}>
              <span class="card-number" data-testid="agents-total">
                {count(o.agents.total)}
              </span>
              <span class="card-label">agents</span>
              <span class="card-detail">
                {Object.entries(o.agents.byStatus)
                  .map(([s, n]) => `${count(n)} ${stateName(s)}`)
                  .join(', ') || 'none yet'}
              </span>
            </a>
            <a class="card" href={href(['frameworks'])}>
              <span class="card-number">{count(o.frameworks.total)}</span>
              <span class="card-label">frameworks</span>
              <span class="card-detail">{count(o.frameworks.connected)} connected</span>
            </a>
            <a class="card" href={href(['tasks'], { state: 'running' })}>
              <span class="card-number" data-testid="tasks-running">
                {count(o.tasks.byState.TASK_RUNNING)}
              </span>
              <span class="card-label">tasks running</span>
              <span class="card-detail">{count(o.tasks.active)} active</span>
            </a>
          </div>
          <h2>Cluster utilisation</h2>
          <div class="meters">
            <Meter
              label="CPU"
              used={o.utilisation.allocated.cpus}
              total={o.utilisation.total.cpus}
              text={`${cpus(o.utilisation.allocated.cpus)} of ${cpus(o.utilisation.total.cpus)}`}
            />
            <Meter
              label="Memory"
              used={o.utilisation.allocated.mem}
              total={o.utilisation.total.mem}
              text={`${mem(o.utilisation.allocated.mem)} of ${mem(o.utilisation.total.mem)}`}
            />
            <Meter
              label="Disk"
              used={o.utilisation.allocated.disk}
              total={o.utilisation.total.disk}
              text={`${mem(o.utilisation.allocated.disk)} of ${mem(o.utilisation.total.disk)}`}
            />
          </div>
          <LazyChart samples={samples} />
          <h2>Tasks by state</h2>
          <ul class="state-counts">
            {TASK_ORDER.filter((s) => o.tasks.byState[s]).map((s) => (
              <li key={s}>
                <a href={href(['tasks'], { state: stateName(s).replace(/ /g, '_') })}>
                  <span class="state-count" data-state={s}>
                    {count(o.tasks.byState[s])}
                  </span>{' '}
                  {stateName(s)}
                </a>
              </li>
            ))}
            {Object.keys(o.tasks.byState).length === 0 ? <li class="muted">No tasks yet.</li> : null}
          </ul>
          <h2>Agents</h2>
          {agents.data ? <AgentBars agents={agents.data.items} /> : <Loading what="agents" />}
          {agents.data && agents.data.total > agents.data.items.length ? (
            <p>
              <a href={href(['agents'])}>All {count(agents.data.total)} agents →</a>
            </p>
          ) : null}
        </>
      )}
    </section>
  );
}
