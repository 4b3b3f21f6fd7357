// bench:failover — N hollow agents running T tasks; the master process is killed (SIGKILL,
// a crash) and a new one started on the same port and work dir. Reports the seconds from
// the kill until every agent has re-registered with all its tasks and the framework has
// re-subscribed (`seconds`; `master_start_s` is the new process' own start-up within
// it), and `relaunched`: tasks the framework saw start again (a STAGING/STARTING update
// created after the kill) — it must be 0. Agents pipeline a task's updates, so a STARTING
// still unacknowledged when the master died is sent again after the restart: those are
// counted apart (`resent_old_updates`), by the agent's timestamp on the update. `lost`
// counts tasks that came back in any state but STAGING/STARTING/RUNNING.
//
// Flags: --agents N (10000) --tasks T (100000) --resources SPEC --quick --profile DIR (CPU
// profiles of the restarted master and the hollow agents there). Needs `npx tsc -b`.
// `--ha`: three masters in HA on NATS instead, the leader killed (bench/failover-ha.mjs).
if (process.argv.includes('--ha')) {
  await import('./failover-ha.mjs');
  process.exit(0);
}

import { performance } from 'node:perf_hooks';
import { note, out, parseFlags, removeDir, round, startMasterProcess, tempDir, waitUntil } from './lib/harness.mjs';
import { startRunningCluster, stopRunningCluster } from './lib/running-cluster.mjs';

const args = parseFlags(
  process.argv.slice(2),
  { agents: 10000, tasks: 100000, profile: '', resources: 'cpus:8;mem:16384;ports:[31000-32000]' },
  { agents: 20, tasks: 200 },
);
const dir = tempDir('tandem-bench-failover-');
let cluster;
let restarted = false;
let relaunched = 0;
let resentOld = 0;
let lost = 0;
let killedAtS = 0;
try {
  cluster = await startRunningCluster({
    dir,
    agents: args.agents,
    tasks: args.tasks,
    resources: args.resources,
    failoverTimeoutSeconds: 600,
    hollowExecArgv: args.profile ? ['--cpu-prof', '--cpu-prof-dir', args.profile] : [],
    onUpdate: (status) => {
      if (!restarted) return;
      if (status.state === 'TASK_STAGING' || status.state === 'TASK_STARTING') {
        if (status.timestamp >= killedAtS) relaunched++;
        else resentOld++;
      } else if (status.state !== 'TASK_RUNNING') lost++;
    },
  });
  const port = cluster.master.port;
  note(`killing the master (pid ${cluster.master.pid}) and starting a new one on port ${port}`);
  const t0 = performance.now();
  restarted = true;
  killedAtS = Date.now() / 1000;
  await cluster.master.kill();
  cluster.master = await startMasterProcess(
    { port, workDir: cluster.masterDir },
    { execArgv: args.profile ? ['--cpu-prof', '--cpu-prof-dir', args.profile] : [] },
  );
  const masterStart = (performance.now() - t0) / 1000;
  let lastNote = 0;
  await waitUntil(
    async () => {
      const s = await cluster.master.quick();
      const now = performance.now();
      if (now - lastNote >= 1000) {
        lastNote = now;
        note(`+${round((now - t0) / 1000)} s: ${s.active} agents, ${s.tasks} tasks, framework ${s.connected ? 'back' : 'not back'}`);
      }
      return s.active === args.agents && s.tasks === args.tasks && s.connected === 1;
    },
    { intervalMs: 20, timeoutMs: 300_000, what: 'every agent and the framework to come back' },
  );
  const seconds = (performance.now() - t0) / 1000;
  const stats = await cluster.master.stats();
  // Updates the re-registration caused (if any) may still be on their way to the framework.
  await new Promise((r) => setTimeout(r, 500));
  out({
    bench: 'failover',
    agents: args.agents,
    tasks: args.tasks,
    seconds: round(seconds, 3),
    master_start_s: round(masterStart, 3),
    relaunched,
    resent_old_updates: resentOld,
    lost,
    running_after: stats.running,
    // Calls and streams the new master's per-principal limits refused (the defaults must refuse none here).
    master_shed: stats.shed,
  });
} finally {
  if (cluster) await stopRunningCluster(cluster);
  removeDir(dir);
}
