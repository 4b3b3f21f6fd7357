import { useState } from 'preact/hooks';
import { sendJson } from '../api';
import { cpus, mem } from '../format';
import { useLiveRefresh } from '../live';
import { JsonEditor } from '../parts/json-editor';
import { DataTable, ErrorNote, Loading } from '../parts/notes';
import { useFetch } from '../use-fetch';

/** The apps API (Marathon v2) through the master: `/api/v1/ui/apps/v2/...`. */
const API = '/api/v1/ui/apps/v2';

interface App {
  id: string;
  instances: number;
  cpus: number;
  mem: number;
  cmd?: string | null;
  container?: { docker?: { image?: string } } | null;
  tasksRunning?: number;
  tasksStaged?: number;
  tasksHealthy?: number;
  tasksUnhealthy?: number;
  deployments?: { id: string }[];
}

interface Deployment {
  id: string;
  affectedApps: string[];
  currentStep: number;
  totalSteps: number;
  version: string;
}

const EXAMPLE = JSON.stringify({ id: '/hello', cmd: 'while true; do echo hello; sleep 5; done', cpus: 0.1, mem: 32, instances: 1 }, null, 2);

export function AppsPage() {
  const apps = useFetch<{ apps: App[] }>(`${API}/apps`);
  const deployments = useFetch<Deployment[]>(`${API}/deployments`);
  const reload = () => {
    apps.reload();
    deployments.reload();
  };
  useLiveRefresh(['task_added', 'task_updated'], reload);
  return (
    <section aria-labelledby="apps-h">
      <h1 id="apps-h">Apps</h1>
      <ErrorNote error={apps.error} />
      {!apps.data ? (
        apps.error ? null : (
          <Loading what="apps" />
        )
      ) : apps.data.apps.length === 0 ? (
        <p class="muted">No apps yet. Deploy one below.</p>
      ) : (
        <DataTable caption="Apps">
          <thead>
            <tr>
              <th scope="col">App</th>
              <th scope="col">Running</th>
              <th scope="col" class="wide">
                Resources
              </th>
              <th scope="col" class="wide">
                Health
              </th>
              <th scope="col">Scale</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {apps.data.apps.map((a) => (
              <AppRow key={a.id} app={a} onDone={reload} />
            ))}
          </tbody>
        </DataTable>
      )}
      <h2>Deployments</h2>
      {deployments.data && deployments.data.length > 0 ? (
        <ul>
          {deployments.data.map((d) => (
            <li key={d.id}>
              {d.affectedApps.join(', ')}: step {d.currentStep} of {d.totalSteps}{' '}
              <button type="button" onClick={() => void sendJson('DELETE', `${API}/deployments/${encodeURIComponent(d.id)}`).then(reload, reload)}>
                Roll back
              </button>
            </li>
          ))}
        </ul>
      ) : (
        <p class="muted">None in progress.</p>
      )}
      <h2>Deploy</h2>
      <JsonEditor label="Deploy app" initial={EXAMPLE} submit={(body) => sendJson('POST', `${API}/apps`, body)} onDone={reload} />
    </section>
  );
}

function AppRow({ app, onDone }: { app: App; onDone: () => void }) {
  const [instances, setInstances] = useState(String(app.instances));
  const [problem, setProblem] = useState<Error | undefined>(undefined);
  const path = `${API}/apps${app.id.startsWith('/') ? '' : '/'}${app.id.split('/').map(encodeURIComponent).join('/')}`;
  const act = (p: Promise<unknown>) =>
    p.then(
      () => {
        setProblem(undefined);
        onDone();
      },
      (err: unknown) => setProblem(err as Error),
    );
  return (
    <tr data-app-id={app.id}>
      <th scope="row">
        {app.id}
        <div class="muted small mono">{app.container?.docker?.image ?? app.cmd ?? ''}</div>
        <ErrorNote error={problem} />
      </th>
      <td>
        {app.tasksRunning ?? 0} of {app.instances}
        {app.tasksStaged ? ` (${app.tasksStaged} staged)` : ''}
      </td>
      <td class="wide">
        {cpus(app.cpus)} cpu · {mem(app.mem)}
      </td>
      <td class="wide">{app.tasksHealthy || app.tasksUnhealthy ? `${app.tasksHealthy ?? 0} healthy, ${app.tasksUnhealthy ?? 0} unhealthy` : '—'}</td>
      <td>
        <form
          class="inline-form"
          aria-label={`Scale ${app.id}`}
          onSubmit={(e) => {
            e.preventDefault();
            void act(sendJson('PUT', path, { instances: Number(instances) }));
          }}
        >
          <label class="inline">
            <span class="visually-hidden">Instances of {app.id}</span>
            <input type="number" min={0} step={1} value={instances} onInput={(e) => setInstances((e.target as HTMLInputElement).value)} />
          </label>
          <button type="submit">Scale</button>
        </form>
      </td>
      <td>
        <button type="button" onClick={() => void act(sendJson('POST', `${path}/restart`, {}))}>
          Restart
        </button>{' '}
        <button
          type="button"
          class="danger"
          onClick={() => {
            if (confirm(`Destroy ${app.id} and kill its tasks?`)) void act(sendJson('DELETE', path));
          }}
        >
          Destroy
        </button>
      </td>
    </tr>
  );
}
