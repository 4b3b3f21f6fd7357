import { useEffect, useState } from 'preact/hooks';
import { time } from '../format';
import { feed, type LiveEvent } from '../live';
import { href } from '../router';

/** What an event is about, in a few words, with a link where there is a page for it. */
function describe(e: LiveEvent) {
  const d = (e.data ?? {}) as Record<string, unknown>;
  const info = (d.info ?? {}) as Record<string, unknown>;
  const taskId = String(d.taskId ?? info.taskId ?? '');
  if (e.kind === 'task_added' || e.kind === 'task_updated') {
    const state = String(d.state ?? '')
      .replace(/^TASK_/, '')
      .toLowerCase();
    return (
      <>
        task <a href={href(['tasks', taskId])}>{String(info.name ?? taskId)}</a> {state}
        {d.reason && d.reason !== 'REASON_UNSPECIFIED' ? ` (${String(d.reason)})` : ''}
      </>
    );
  }
  if (e.kind === 'agent_added' || e.kind === 'agent_unreachable') {
    return (
      <>
        agent <a href={href(['agents', String(d.id ?? '')])}>{String(d.hostname ?? d.id)}</a>
      </>
    );
  }
  if (e.kind === 'agent_drain') {
    return (
      <>
        agent <a href={href(['agents', String(d.agentId ?? '')])}>{String(d.agentId ?? '')}</a>{' '}
        {String((d.drainInfo as { state?: string } | undefined)?.state ?? '')
          .replace(/^DRAIN_STATE_/, '')
          .toLowerCase()
          .replace('none', 'reactivated')}
      </>
    );
  }
  if (e.kind === 'framework_added') return <>framework {String(d.name ?? d.id)}</>;
  return <span class="mono">{typeof e.data === 'string' ? e.data : JSON.stringify(e.data).slice(0, 160)}</span>;
}

/** The master's events as they arrive (kept since this page was opened, newest first). */
export function EventsPage() {
  const [, setTick] = useState(0);
  const [paused, setPaused] = useState(false);
  useEffect(() => feed.subscribe(() => setTick((n) => n + 1)), []);
  const [frozen, setFrozen] = useState<LiveEvent[]>([]);
  const shown = (paused ? frozen : feed.recent).slice(-200).reverse();
  return (
    <section aria-labelledby="events-h">
      <h1 id="events-h">Events</h1>
      <p class="muted">Live from the master since this page was opened (the newest 200 shown).</p>
      <button
        type="button"
        aria-pressed={paused}
        onClick={() => {
          setFrozen([...feed.recent]);
          setPaused(!paused);
        }}
      >
        {paused ? 'Resume' : 'Pause'}
      </button>
      {shown.length === 0 ? (
        <p class="muted">No events yet.</p>
      ) : (
        <ol class="events" aria-label="Events, newest first" data-testid="events">
          {shown.map((e) => (
            <li key={e.seq} data-kind={e.kind}>
              <time>{time(e.at)}</time> <span class="kind">{e.kind.replace(/_/g, ' ')}</span> {describe(e)}
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}
