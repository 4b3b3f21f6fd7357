import { useEffect, useRef } from 'preact/hooks';
import type { UiConfig } from './api';
import { useLiveStatus } from './live';
import { AgentPage } from './pages/agent';
import { AgentsPage } from './pages/agents';
import { AppsPage } from './pages/apps';
import { EventsPage } from './pages/events';
import { FrameworksPage } from './pages/frameworks';
import { JobsPage } from './pages/jobs';
import { OverviewPage } from './pages/overview';
import { TaskPage } from './pages/task';
import { TasksPage } from './pages/tasks';
import { href, type Route, useRoute } from './router';
import { useFetch } from './use-fetch';

interface NavItem {
  key: string;
  label: string;
}

const NAV: readonly NavItem[] = [
  { key: '', label: 'Overview' },
  { key: 'agents', label: 'Agents' },
  { key: 'frameworks', label: 'Frameworks' },
  { key: 'tasks', label: 'Tasks' },
  { key: 'events', label: 'Events' },
];

function Page({ route }: { route: Route }) {
  const [section = '', id] = route.path;
  if (section === 'agents' && id) return <AgentPage agentId={id} />;
  if (section === 'agents') return <AgentsPage route={route} />;
  if (section === 'tasks' && id) return <TaskPage taskId={id} />;
  if (section === 'tasks') return <TasksPage route={route} />;
  if (section === 'frameworks') return <FrameworksPage />;
  if (section === 'events') return <EventsPage />;
  if (section === 'apps') return <AppsPage />;
  if (section === 'jobs') return <JobsPage />;
  if (section === '') return <OverviewPage />;
  return (
    <section>
      <h1>Not found</h1>
      <p>
        There is no page here. <a href={href([])}>Go to the overview.</a>
      </p>
    </section>
  );
}

export function App() {
  const route = useRoute();
  const live = useLiveStatus();
  const config = useFetch<UiConfig>('/api/v1/ui/config');
  const main = useRef<HTMLElement>(null);
  const section = route.path[0] ?? '';
  // A new page moves the keyboard focus to its content, as a page load would.
  const first = useRef(true);
  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    main.current?.focus();
  }, [route.path.join('/')]);
  useEffect(() => {
    const label = NAV.find((n) => n.key === section)?.label ?? 'Tandem';
    document.title = `${label} · Tandem`;
  }, [section]);
  return (
    <>
      <button type="button" class="skip" onClick={() => main.current?.focus()}>
        Skip to content
      </button>
      <header class="top">
        <a class="brand" href={href([])}>
          Tandem
        </a>
        <nav aria-label="Main">
          <ul>
            {NAV.map((n) => (
              <li key={n.key}>
                <a href={href(n.key ? [n.key] : [])} aria-current={section === n.key ? 'page' : undefined}>
                  {n.label}
                </a>
              </li>
            ))}
            {config.data?.appsUrl ? (
              <li>
                <a href={href(['apps'])} aria-current={section === 'apps' ? 'page' : undefined}>
                  Apps
                </a>
              </li>
            ) : null}
            {config.data?.jobsUrl ? (
              <li>
                <a href={href(['jobs'])} aria-current={section === 'jobs' ? 'page' : undefined}>
                  Jobs
                </a>
              </li>
            ) : null}
          </ul>
        </nav>
        <span class={`live ${live ? 'up' : 'down'}`} role="status" data-testid="live-status">
          {live ? 'live' : 'reconnecting…'}
        </span>
      </header>
      <main id="main" ref={main} tabIndex={-1}>
        <Page route={route} />
      </main>
    </>
  );
}
