import { sendJson } from '../api';
import { useLiveRefresh } from '../live';
import { JsonEditor } from '../parts/json-editor';
import { DataTable, ErrorNote, Loading } from '../parts/notes';
import { useFetch } from '../use-fetch';

/** The jobs API (Metronome v1) through the master: `/api/v1/ui/jobs/v1/...`. */
const API = '/api/v1/ui/jobs/v1';

interface Run {
  id: string;
  status?: string;
  createdAt?: string;
  finishedAt?: string;
}

interface Job {
  id: string;
  description?: string;
  run?: { cmd?: string; cpus?: number; mem?: number; docker?: { image?: string } };
  activeRuns?: Run[];
  history?: {
    successCount: number;
    failureCount: number;
    lastSuccessAt?: string | null;
    lastFailureAt?: string | null;
    successfulFinishedRuns?: Run[];
    failedFinishedRuns?: Run[];
  };
}

const EXAMPLE = JSON.stringify({ id: 'hello-job', run: { cmd: 'echo hello from a job', cpus: 0.1, mem: 32, disk: 0 } }, null, 2);

export function JobsPage() {
  const jobs = useFetch<Job[]>(`${API}/jobs?embed=activeRuns&embed=history`);
  useLiveRefresh(['task_added', 'task_updated'], jobs.reload);
  return (
    <section aria-labelledby="jobs-h">
      <h1 id="jobs-h">Jobs</h1>
      <ErrorNote error={jobs.error} />
      {!jobs.data ? (
        jobs.error ? null : (
          <Loading what="jobs" />
        )
      ) : jobs.data.length === 0 ? (
        <p class="muted">No jobs yet. Create one below.</p>
      ) : (
        <DataTable caption="Jobs">
          <thead>
            <tr>
              <th scope="col">Job</th>
              <th scope="col">Active runs</th>
              <th scope="col">History</th>
              <th scope="col" class="wide">
                Last runs
              </th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {jobs.data.map((j) => {
              const last = [
                ...(j.history?.successfulFinishedRuns ?? []).map((r) => ({ ...r, ok: true })),
                ...(j.history?.failedFinishedRuns ?? []).map((r) => ({ ...r, ok: false })),
              ]
                .sort((a, b) => String(b.finishedAt ?? '').localeCompare(String(a.finishedAt ?? '')))
                .slice(0, 3);
              return (
                <tr key={j.id} data-job-id={j.id}>
                  <th scope="row">
                    {j.id}
                    <div class="muted small mono">{j.run?.docker?.image ?? j.run?.cmd ?? ''}</div>
                  </th>
                  <td>{(j.activeRuns ?? []).map((r) => `${r.id} ${String(r.status ?? '').toLowerCase()}`).join(', ') || '—'}</td>
                  <td>
                    {j.history?.successCount ?? 0} succeeded, {j.history?.failureCount ?? 0} failed
                  </td>
                  <td class="wide">{last.map((r) => `${r.id} ${r.ok ? 'ok' : 'failed'}`).join(', ') || '—'}</td>
                  <td>
                    <button
                      type="button"
                      onClick={() => void sendJson('POST', `${API}/jobs/${encodeURIComponent(j.id)}/runs`, {}).then(jobs.reload, jobs.reload)}
                    >
                      Run now
                    </button>
                  </td>
                </tr>
              );
            })}
          </tbody>
        </DataTable>
      )}
      <h2>Create a job</h2>
      <JsonEditor label="Create job" initial={EXAMPLE} submit={(body) => sendJson('POST', `${API}/jobs`, body)} onDone={jobs.reload} />
    </section>
  );
}
