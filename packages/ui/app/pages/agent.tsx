import { useState } from 'preact/hooks';
import { type AgentRow, sendJson, type TaskRow } from '../api';
import { cpus, mem, time } from '../format';
import { useLiveRefresh } from '../live';
import { Meter } from '../parts/meter';
import { ErrorNote, Loading } from '../parts/notes';
import { StateBadge } from '../parts/state';
import { href } from '../router';
import { useFetch } from '../use-fetch';
import { AGENT_EVENTS } from './agents';
import { TaskTable } from './tasks';

type AgentDetail = AgentRow & { taskList: TaskRow[]; drain?: { since: number; drainedAt?: number; gracePeriodSeconds?: number; markGone: boolean } };

export function AgentPage({ agentId }: { agentId: string }) {
  const agent = useFetch<AgentDetail>(`/api/v1/ui/agents/${encodeURIComponent(agentId)}`);
  useLiveRefresh(AGENT_EVENTS, agent.reload);
  const a = agent.data;
  return (
    <section aria-labelledby="agent-h">
      <p class="crumbs">
        <a href={href(['agents'])}>Agents</a> /
      </p>
      <h1 id="agent-h">
        {a?.hostname ?? agentId} {a ? <StateBadge state={a.status} /> : null}
      </h1>
      <ErrorNote error={agent.error} />
      {!a ? (
        agent.error ? null : (
          <Loading what="the agent" />
        )
      ) : (
        <>
          <div class="meters">
            <Meter label="CPU" used={a.allocated.cpus} total={a.total.cpus} text={`${cpus(a.allocated.cpus)} of ${cpus(a.total.cpus)} used`} />
            <Meter label="Memory" used={a.allocated.mem} total={a.total.mem} text={`${mem(a.allocated.mem)} of ${mem(a.total.mem)} used`} />
            <Meter label="Disk" used={a.allocated.disk} total={a.total.disk} text={`${mem(a.allocated.disk)} of ${mem(a.total.disk)} used`} />
          </div>
          <dl class="facts">
            <dt>Id</dt>
            <dd class="mono">{a.id}</dd>
            <dt>Containerizers</dt>
            <dd>{a.containerizers.join(', ')}</dd>
            <dt>Ports</dt>
            <dd>{a.ports ?? '—'}</dd>
            <dt>Attributes</dt>
            <dd>
              {Object.entries(a.attributes)
                .map(([k, v]) => `${k}:${v}`)
                .join(', ') || '—'}
            </dd>
            <dt>Registered</dt>
            <dd>{time(a.registeredAt)}</dd>
            {a.drain ? (
              <>
                <dt>Drain</dt>
                <dd>
                  since {time(a.drain.since)}
                  {a.drain.gracePeriodSeconds !== undefined ? `, grace ${a.drain.gracePeriodSeconds} s` : ''}
                  {a.drain.drainedAt ? `, drained at ${time(a.drain.drainedAt)}` : ', tasks being killed'}
                  {a.drain.markGone ? ', then marked gone' : ''}
                </dd>
              </>
            ) : null}
          </dl>
          <DrainControls agent={a} onDone={agent.reload} />
          <h2>Tasks on this agent</h2>
          <TaskTable rows={a.taskList} />
        </>
      )}
    </section>
  );
}

/** Drain (no new offers, tasks killed within the grace and moved by their frameworks) and reactivate. */
function DrainControls({ agent, onDone }: { agent: AgentDetail; onDone: () => void }) {
  const [grace, setGrace] = useState('60');
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<Error | undefined>(undefined);
  const draining = agent.status === 'DRAINING' || agent.status === 'DRAINED';
  const act = (path: string, body?: unknown) => {
    setBusy(true);
    setProblem(undefined);
    sendJson('POST', `/api/v1/agents/${encodeURIComponent(agent.id)}/${path}`, body).then(
      () => {
        setBusy(false);
        onDone();
      },
      (err: unknown) => {
        setBusy(false);
        setProblem(err instanceof Error ? err : new Error(String(err)));
      },
    );
  };
  return (
    <form
      class="drain"
      aria-label="Drain this agent"
      onSubmit={(e) => {
        e.preventDefault();
        if (!draining) act('drain', { gracePeriodSeconds: Number(grace) });
      }}
    >
      {draining ? (
        <button type="button" disabled={busy} onClick={() => act('reactivate')}>
          Reactivate
        </button>
      ) : (
        <>
          <label class="inline">
            Grace (seconds) <input type="number" min={0} step={1} value={grace} onInput={(e) => setGrace((e.target as HTMLInputElement).value)} />
          </label>
          <button type="submit" class="danger" disabled={busy}>
            Drain
          </button>
        </>
      )}
      <ErrorNote error={problem} />
    </form>
  );
}
