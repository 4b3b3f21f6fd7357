// bench:apps-large — large app definitions in the apps framework (packages/apps, in this
// process, on a FileStore as `tandem apps serve` runs it) against a real master in its own
// process, no agents (every app has 0 instances). N apps of about K KiB each (labels and
// env) are created over the REST API; then D deployments of another, small app are made
// (create, then scale or change it). It reports the bytes the store's files grew by during
// those D deployments (`small_deploys_store_kib`: should not grow with N×K), and the
// latency of GET /v2/apps (median and p95 of R requests, with the response's size).
//
// Flags: --apps N (20) --kib K (400) --deploys D (10) --gets R (50) --quick. Needs `npx tsc -b` first.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { startAppsService } from '@tandem/apps';
import { note, out, parseFlags, percentile, removeDir, restClient, round, startMasterProcess, tempDir, waitUntil } from './lib/harness.mjs';

const args = parseFlags(process.argv.slice(2), { apps: 20, kib: 400, deploys: 10, gets: 50 }, { apps: 4, kib: 200, deploys: 4, gets: 10 });
const dir = tempDir('tandem-bench-apps-large-');
let master;
let apps;

const api = restClient(() => apps.framework.url);

const deploymentsDone = () =>
  waitUntil(async () => (await api('GET', '/v2/deployments')).json.length === 0, { timeoutMs: 60_000, what: 'deployments to finish' });

/** Bytes of every file under `d`. */
function dirBytes(d) {
  let total = 0;
  for (const e of readdirSync(d, { withFileTypes: true })) total += e.isDirectory() ? dirBytes(join(d, e.name)) : statSync(join(d, e.name)).size;
  return total;
}

function largeApp(id, kib) {
  const labels = {};
  const env = {};
  for (let i = 0; i < kib / 2; i++) {
    labels[`label-${i}`] = 'l'.repeat(1000);
    env[`VAR_${i}`] = 'e'.repeat(1000);
  }
  return { id, cmd: 'sleep 3600', cpus: 0.1, mem: 32, instances: 0, labels, env };
}

try {
  master = await startMasterProcess({ port: 0, workDir: join(dir, 'master') });
  apps = await startAppsService({ master: master.address, workDir: join(dir, 'apps'), port: 0, host: '127.0.0.1' });
  note(`creating ${args.apps} apps of ${args.kib} KiB`);
  for (let i = 0; i < args.apps; i++) await api('POST', '/v2/apps', largeApp(`/large/app-${i}`, args.kib));
  await deploymentsDone();
  const storeDir = join(dir, 'apps');
  const before = dirBytes(storeDir);
  note(`${args.deploys} deployments of a small app`);
  await api('POST', '/v2/apps', { id: '/small', cmd: 'sleep 3600', cpus: 0.1, mem: 32, instances: 0 });
  await deploymentsDone();
  for (let i = 1; i < args.deploys; i++) {
    await api('PUT', '/v2/apps/small', { cmd: `sleep ${3600 + i}`, cpus: 0.1, mem: 32, instances: 0 });
    await deploymentsDone();
  }
  const grown = dirBytes(storeDir) - before;
  note(`${args.gets} GET /v2/apps`);
  const ms = [];
  let bytes = 0;
  for (let i = 0; i < args.gets; i++) {
    // Until the whole body is read, not parsed: the server's work and the transfer.
    const t0 = performance.now();
    const res = await fetch(`${apps.framework.url}/v2/apps`);
    bytes = (await res.arrayBuffer()).byteLength;
    ms.push(performance.now() - t0);
  }
  ms.sort((a, b) => a - b);
  out({
    bench: 'apps-large',
    apps: args.apps,
    app_kib: args.kib,
    small_deploys: args.deploys,
    small_deploys_store_kib: round(grown / 1024, 1),
    get_apps_ms_p50: round(percentile(ms, 50)),
    get_apps_ms_p95: round(percentile(ms, 95)),
    get_apps_response_mib: round(bytes / 1048576, 2),
  });
} finally {
  await apps?.stop().catch(() => undefined);
  await master?.stop().catch(() => undefined);
  removeDir(dir);
}
