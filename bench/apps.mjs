// bench:apps — the apps framework (packages/apps, in this process, on a FileStore as
// `tandem apps serve` runs it, default options) against a real master (HierarchicalAllocator,
// its own process) and N hollow agents (`tandem hollow`, one process), over real gRPC. An
// app is created with 0 instances over the REST API (POST /v2/apps), then scaled to M
// (PUT /v2/apps/{id} {instances: M}); `seconds` runs from the PUT until GET
// /v2/apps?id=… reports tasksRunning = M (polled every --poll-ms), `deployment_s` until
// the scale deployment is gone from /v2/deployments. Every 2 s stderr shows the instances
// by condition (Scheduled, Provisioned, Starting, Running). Marathon's anchor: 500 instances in 14 s.
//
// Flags: --agents N (1000) --instances M (10000) --poll-ms P (100) --resources SPEC
// --profile DIR (--cpu-prof of the master and hollow processes there; profile this process
// with `node --cpu-prof --cpu-prof-dir DIR bench/apps.mjs`) --quick. Needs `npx tsc -b` first.
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { startAppsService } from '@tandem/apps';
import { note, out, parseFlags, removeDir, restClient, round, startHollow, startMasterProcess, tempDir, waitUntil } from './lib/harness.mjs';

const args = parseFlags(
  process.argv.slice(2),
  { agents: 1000, instances: 10000, pollMs: 100, profile: '', resources: 'cpus:8;mem:16384;ports:[31000-32000]' },
  { agents: 5, instances: 20 },
);
const APP = '/bench';
const dir = tempDir('tandem-bench-apps-');
const profileArgv = args.profile ? ['--cpu-prof', '--cpu-prof-dir', args.profile] : [];
let master;
let hollow;
let apps;

const rest = restClient(() => apps.framework.url);
const api = async (method, path, body) => (await rest(method, path, body)).json;

const counts = async () => (await api('GET', `/v2/apps?id=${encodeURIComponent(APP)}`)).apps.find((a) => a.id === APP);

try {
  master = await startMasterProcess({ port: 0, workDir: join(dir, 'master') }, { execArgv: profileArgv });
  note(`master on ${master.address}; starting ${args.agents} hollow agents`);
  hollow = await startHollow({ master: master.address, count: args.agents, resources: args.resources, workDir: join(dir, 'hollow'), execArgv: profileArgv });
  note(`agents registered in ${round(hollow.startSeconds)} s; starting the apps framework`);
  apps = await startAppsService({ master: master.address, workDir: join(dir, 'apps'), port: 0, host: '127.0.0.1' });
  await waitUntil(async () => (await master.quick()).connected === 1, { timeoutMs: 60_000, what: 'the apps framework to subscribe' });
  const app = { id: APP, cmd: 'sleep 3600', cpus: 0.1, mem: 32, instances: 0 };
  await api('POST', '/v2/apps', app);
  await waitUntil(async () => (await api('GET', '/v2/deployments')).length === 0, { timeoutMs: 60_000, what: 'the create deployment' });
  note(`scaling ${APP} from 0 to ${args.instances} instances`);
  const t0 = performance.now();
  await api('PUT', `/v2/apps${APP}`, { ...app, instances: args.instances });
  let deploymentSeconds = 0;
  let last = -1;
  // Every 2 s on stderr: the instances by condition, read from the framework's memory (where the time goes).
  const progress = setInterval(() => {
    const by = {};
    for (const i of apps.framework.repo.instances.values()) by[i.condition] = (by[i.condition] ?? 0) + 1;
    note(`${round((performance.now() - t0) / 1000)} s: ${JSON.stringify(by)}`);
  }, 2000);
  await waitUntil(
    async () => {
      const c = await counts();
      if (deploymentSeconds === 0 && (await api('GET', '/v2/deployments')).length === 0) deploymentSeconds = (performance.now() - t0) / 1000;
      if (c.tasksRunning !== last && Math.floor(c.tasksRunning / 1000) !== Math.floor(last / 1000))
        note(`${c.tasksRunning} running after ${round((performance.now() - t0) / 1000)} s`);
      last = c.tasksRunning;
      return c.tasksRunning === args.instances;
    },
    { intervalMs: args.pollMs, timeoutMs: 600_000, what: `${args.instances} instances RUNNING` },
  );
  const seconds = (performance.now() - t0) / 1000;
  clearInterval(progress);
  if (deploymentSeconds === 0) {
    await waitUntil(async () => (await api('GET', '/v2/deployments')).length === 0, {
      intervalMs: args.pollMs,
      timeoutMs: 600_000,
      what: 'the scale deployment',
    });
    deploymentSeconds = (performance.now() - t0) / 1000;
  }
  const stats = await master.stats();
  out({
    bench: 'apps',
    instances: args.instances,
    agents: args.agents,
    seconds: round(seconds, 3),
    deployment_s: round(deploymentSeconds, 3),
    instances_per_s: Math.round(args.instances / seconds),
    master_running: stats.running,
    agents_start_s: round(hollow.startSeconds),
    apps_rss_mib: round(process.memoryUsage().rss / 1048576, 1),
  });
} finally {
  await apps?.stop().catch(() => undefined);
  await hollow?.stop().catch(() => undefined);
  await master?.stop().catch(() => undefined);
  removeDir(dir);
}
