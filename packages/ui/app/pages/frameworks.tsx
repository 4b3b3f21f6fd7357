import type { FrameworkRow, RoleRow } from '../api';
import { ago, cpus, mem, shortId } from '../format';
import { useLiveRefresh } from '../live';
import { DataTable, ErrorNote, Loading } from '../parts/notes';
import { href } from '../router';
import { useFetch } from '../use-fetch';

const pct = (n: number) => `${(n * 100).toFixed(1)}%`;

function amounts(r: Record<string, number> | undefined): string {
  if (!r || Object.keys(r).length === 0) return '—';
  return Object.entries(r)
    .map(([k, v]) => (k === 'mem' || k === 'disk' ? `${k} ${mem(v)}` : `${k} ${cpus(v)}`))
    .join(', ');
}

export function FrameworksPage() {
  const res = useFetch<{ frameworks: FrameworkRow[]; roles: RoleRow[] }>('/api/v1/ui/frameworks');
  useLiveRefresh(['framework_added', 'framework_removed', 'task_added', 'task_updated'], res.reload);
  return (
    <section aria-labelledby="fw-h">
      <h1 id="fw-h">Frameworks and roles</h1>
      <ErrorNote error={res.error} />
      {!res.data ? (
        <Loading what="frameworks" />
      ) : (
        <>
          <h2>Frameworks</h2>
          {res.data.frameworks.length === 0 ? (
            <p class="muted">No frameworks have subscribed.</p>
          ) : (
            <DataTable caption="Frameworks">
              <thead>
                <tr>
                  <th scope="col">Framework</th>
                  <th scope="col">Roles</th>
                  <th scope="col">Connected</th>
                  <th scope="col">Dominant share</th>
                  <th scope="col">Tasks</th>
                  <th scope="col" class="wide">
                    Holds
                  </th>
                  <th scope="col" class="wide">
                    Registered
                  </th>
                </tr>
              </thead>
              <tbody>
                {res.data.frameworks.map((f) => (
                  <tr key={f.id}>
                    <th scope="row">
                      {f.name || f.id}
                      <div class="muted small">{shortId(f.id)}</div>
                    </th>
                    <td>{f.roles.join(', ')}</td>
                    <td>{f.connected ? 'yes' : `no (${ago(f.disconnectedAt)})`}</td>
                    <td>{pct(f.share)}</td>
                    <td>
                      <a href={href(['tasks'], { framework: f.id })}>{f.tasks}</a>
                    </td>
                    <td class="wide">{amounts(f.allocated)}</td>
                    <td class="wide">{ago(f.registeredAt)}</td>
                  </tr>
                ))}
              </tbody>
            </DataTable>
          )}
          <h2>Roles</h2>
          {res.data.roles.length === 0 ? (
            <p class="muted">No roles have weights, quotas or frameworks.</p>
          ) : (
            <DataTable caption="Roles">
              <thead>
                <tr>
                  <th scope="col">Role</th>
                  <th scope="col">Weight</th>
                  <th scope="col">Share</th>
                  <th scope="col">Weighted share</th>
                  <th scope="col">Guarantee</th>
                  <th scope="col">Limit</th>
                  <th scope="col" class="wide">
                    Frameworks
                  </th>
                </tr>
              </thead>
              <tbody>
                {res.data.roles.map((r) => (
                  <tr key={r.name}>
                    <th scope="row">{r.name}</th>
                    <td>{r.weight}</td>
                    <td>{pct(r.share)}</td>
                    <td>{pct(r.weightedShare)}</td>
                    <td>{amounts(r.quota?.guarantee)}</td>
                    <td>{amounts(r.quota?.limit)}</td>
                    <td class="wide">{r.frameworks.length}</td>
                  </tr>
                ))}
              </tbody>
            </DataTable>
          )}
        </>
      )}
    </section>
  );
}
