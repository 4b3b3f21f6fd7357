import { readFile } from 'node:fs/promises';
import type { CliIo } from '../cli-io.js';
import { type AppsApi, appsRequest } from './apps-client.js';

interface AppView {
  app: {
    id: string;
    instances: number;
    tasksStaged: number;
    tasksRunning: number;
    tasksHealthy: number;
    healthChecks: unknown[];
    waiting?: { lastUnusedOffers: { offer: { hostname: string }; details: string[] }[] };
  };
}

function bar(done: number, total: number, width = 20): string {
  const filled = total === 0 ? width : Math.round((Math.min(done, total) / total) * width);
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}]`;
}

/**
 * `tandem apps deploy FILE`: creates or updates the app (PUT), then follows its
 * deployment, printing staged / running / healthy and a progress bar (redrawn in place
 * on a terminal, a line per change otherwise), until it succeeds (exit 0) or fails or is
 * replaced (exit 1).
 */
export async function deployApp(
  o: { file: string; api: AppsApi; force: boolean; pollMs: number; timeoutMs: number; tty?: boolean },
  io: CliIo,
  stopped: Promise<unknown>,
): Promise<number> {
  const text = await readFile(o.file, 'utf8');
  let def: { id?: unknown };
  try {
    def = JSON.parse(text) as { id?: unknown };
  } catch (err) {
    io.stderr(`${o.file}: not JSON: ${err instanceof Error ? err.message : String(err)}\n`);
    return 2;
  }
  if (typeof def.id !== 'string') {
    io.stderr(`${o.file}: the app needs an "id"\n`);
    return 2;
  }
  const id = def.id.startsWith('/') ? def.id : `/${def.id}`;
  const started = await appsRequest<{ deploymentId: string }>(o.api, 'PUT', `/v2/apps${id}?partialUpdate=false${o.force ? '&force=true' : ''}`, text);
  io.stdout(`deployment ${started.deploymentId} for ${id}\n`);
  let halt = false;
  void stopped.then(() => {
    halt = true;
  });
  const deadline = o.timeoutMs > 0 ? Date.now() + o.timeoutMs : Number.POSITIVE_INFINITY;
  let last = '';
  while (!halt && Date.now() < deadline) {
    const deployments = await appsRequest<{ id: string; rollbackOf?: string }[]>(o.api, 'GET', '/v2/deployments?embed=tandem');
    const view = await appsRequest<AppView>(o.api, 'GET', `/v2/apps${id}?embed=tandem`).catch(() => undefined);
    const a = view?.app;
    if (a) {
      const healthy = a.healthChecks.length > 0 ? a.tasksHealthy : a.tasksRunning;
      const why = a.waiting?.lastUnusedOffers[0];
      const line = `${bar(healthy, a.instances)} staged ${a.tasksStaged}  running ${a.tasksRunning}  healthy ${a.tasksHealthy}/${a.instances}${why ? `  waiting: ${why.offer.hostname}: ${why.details.join(', ')}` : ''}`;
      if (line !== last) io.stdout(o.tty ? `\r\x1b[2K${line}` : `${line}\n`);
      last = line;
    }
    const mine = deployments.find((d) => d.id === started.deploymentId);
    if (!mine && o.tty && last) io.stdout('\n');
    if (!mine) {
      if (deployments.some((d) => d.rollbackOf === started.deploymentId)) {
        io.stderr(`deployment ${started.deploymentId} failed and is being rolled back\n`);
        return 1;
      }
      const current = await appsRequest<{ app: { version: string } }>(o.api, 'GET', `/v2/apps${id}`).catch(() => undefined);
      const versions = await appsRequest<{ versions: string[] }>(o.api, 'GET', `/v2/apps${id}/versions`).catch(() => ({ versions: [] }));
      if (current && versions.versions[0] === current.app.version) {
        io.stdout(`deployment ${started.deploymentId} succeeded\n`);
        return 0;
      }
      io.stderr(`deployment ${started.deploymentId} ended without success\n`);
      return 1;
    }
    await new Promise((r) => setTimeout(r, o.pollMs));
  }
  if (o.tty && last) io.stdout('\n');
  io.stderr(halt ? 'interrupted\n' : `deployment ${started.deploymentId} did not finish in time\n`);
  return 1;
}
