// bench:failover --ha — three masters in HA on a 3-node NATS JetStream cluster (loopback),
// N hollow agents and one framework whose T tasks run until killed, every client given the
// list of the three masters. The leading master is SIGKILLed. Reports, from the kill:
// `elected_s` (a standby leads: bounded below by the lease), `seconds` (every agent has
// re-registered with the new leader with all its tasks and the framework has re-subscribed),
// `reregister_s` (seconds − elected_s: what the new leader and the clients take once it
// leads), the new leader's CPU ms from the kill until then and per re-registered agent,
// and `relaunched` (tasks started again after the kill; must be 0) and `lost`.
//
// Flags: --agents N (10000) --tasks T (100000) --lease-ttl S (3) --resources SPEC --quick.
// Needs `npx tsc -b` and Debian's nats-server (scripts/test-env.sh up installs it).
import { performance } from 'node:perf_hooks';
import { launchTasks, note, out, parseFlags, removeDir, round, startHollow, startMasterProcess, tempDir, waitUntil } from './lib/harness.mjs';
import { startNatsCluster } from './lib/nats-cluster.mjs';
import { cpuMsOf } from './lib/proc-cpu.mjs';

const args = parseFlags(
  process.argv.slice(2).filter((a) => a !== '--ha'),
  { agents: 10000, tasks: 100000, leaseTtl: 3, resources: 'cpus:8;mem:16384;ports:[31000-32000]' },
  { agents: 20, tasks: 200 },
);
const dir = tempDir('tandem-bench-failover-ha-');
const masters = [];
let nats;
let hollow;
let driver;
let restarted = false;
let relaunched = 0;
let resentOld = 0;
let lost = 0;
let killedAtS = 0;

async function leaderOf(candidates) {
  for (const m of candidates) {
    const q = await m.quick().catch(() => undefined);
    if (q?.leading) return { master: m, q };
  }
  return undefined;
}

try {
  nats = await startNatsCluster({ dir });
  for (let i = 0; i < 3; i++) {
    masters.push(await startMasterProcess({ port: 0, workDir: dir, ha: { servers: nats.urls, leaseTtlMs: args.leaseTtl * 1000 } }));
  }
  const list = masters.map((m) => m.address).join(',');
  const first = await waitUntil(() => leaderOf(masters), { intervalMs: 50, timeoutMs: 60_000, what: 'a leading master' });
  note(`masters on ${list}; ${first.master.address} leads; starting ${args.agents} hollow agents`);
  hollow = await startHollow({ master: list, count: args.agents, resources: args.resources, workDir: `${dir}/hollow` });
  note(`agents registered in ${round(hollow.startSeconds)} s; launching ${args.tasks} tasks`);
  const run = await launchTasks({
    master: list,
    tasks: args.tasks,
    perOffer: Math.ceil(args.tasks / args.agents),
    failoverTimeoutSeconds: 600,
    onUpdate: (status) => {
      if (!restarted) return;
      if (status.state === 'TASK_STAGING' || status.state === 'TASK_STARTING') {
        if (status.timestamp >= killedAtS) relaunched++;
        else resentOld++;
      } else if (status.state !== 'TASK_RUNNING') lost++;
    },
  });
  driver = run.driver;
  note(`${args.tasks} tasks running after ${round(run.seconds)} s`);

  const standbys = masters.filter((m) => m !== first.master);
  const cpuBefore = new Map(standbys.map((m) => [m, cpuMsOf(m.pid) ?? 0]));
  note(`killing the leading master (pid ${first.master.pid})`);
  restarted = true;
  killedAtS = Date.now() / 1000;
  const t0 = performance.now();
  await first.master.kill();
  const next = await waitUntil(() => leaderOf(standbys), { intervalMs: 10, timeoutMs: 120_000, what: 'a new leader' });
  const electedS = (performance.now() - t0) / 1000;
  note(`+${round(electedS)} s: ${next.master.address} leads`);
  let lastNote = 0;
  await waitUntil(
    async () => {
      const q = await next.master.quick();
      const now = performance.now();
      if (now - lastNote >= 1000) {
        lastNote = now;
        note(`+${round((now - t0) / 1000)} s: ${q.active} agents, ${q.tasks} tasks, framework ${q.connected ? 'back' : 'not back'}`);
      }
      return q.active === args.agents && q.tasks === args.tasks && q.connected === 1;
    },
    { intervalMs: 20, timeoutMs: 300_000, what: 'every agent and the framework to come back to the new leader' },
  );
  const seconds = (performance.now() - t0) / 1000;
  const cpuMs = (cpuMsOf(next.master.pid) ?? 0) - (cpuBefore.get(next.master) ?? 0);
  const stats = await next.master.stats();
  await new Promise((r) => setTimeout(r, 500));
  out({
    bench: 'failover-ha',
    agents: args.agents,
    tasks: args.tasks,
    lease_ttl_s: args.leaseTtl,
    elected_s: round(electedS, 3),
    seconds: round(seconds, 3),
    reregister_s: round(seconds - electedS, 3),
    leader_cpu_ms: Math.round(cpuMs),
    leader_cpu_ms_per_agent: round(cpuMs / args.agents, 3),
    relaunched,
    resent_old_updates: resentOld,
    lost,
    running_after: stats.running,
  });
} finally {
  await driver?.stop().catch(() => undefined);
  await hollow?.stop().catch(() => undefined);
  for (const m of masters) await m.kill().catch(() => undefined);
  await nats?.stop().catch(() => undefined);
  removeDir(dir);
}
