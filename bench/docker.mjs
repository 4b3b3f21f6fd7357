// bench:docker — a real agent (DockerContainerizer, disk checkpoints) on the real Docker
// Engine: C busybox containers (`sleep`) launched through Tandem (framework ACCEPT ->
// master -> agent -> engine -> TASK_RUNNING back at the framework), against the same C
// containers created and started directly with dockerode (same image, command, limits,
// host network, init) at the same concurrency, in the same run. Latency is counted from the
// start of the batch on both sides: to `start()` resolved (direct), to TASK_RUNNING as the
// framework receives it (Tandem).
//
// The run is R rounds; each round measures both sides, alternating which goes first, each
// Tandem round on a fresh agent; containers are removed between phases a few at a time
// (Docker 20.10 can deadlock in libnetwork when many are created and removed at once,
// moby/moby#46661). Reports the medians over the rounds: `ratio` (Tandem / direct wall
// time), `added_p99_ms` (Tandem p99 - direct p99), both wall times, and the CPU each side
// spent on the Tandem side's processes (this process holds the agent and the framework).
//
// Flags: --containers C (50) --concurrency K (8: the agent's maxConcurrentLaunches and the
// direct pool) --rounds R (3) --image IMG (tandem-busybox:latest) --profile DIR (a
// --cpu-prof of the master there; run this file with `node --cpu-prof --cpu-prof-dir DIR`
// for the agent and framework) --quick. Needs `npx tsc -b` and a Docker Engine
// (DOCKER_HOST; `scripts/test-env.sh up` then `source .tandem/test-env`).
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Agent, DockerContainerizer } from '@tandem/agent';
import { SchedulerDriver, taskInfo } from '@tandem/framework-sdk';
import Docker from 'dockerode';
import { note, out, parseFlags, percentile, REPO, removeDir, round, sleep, startMasterProcess, tempDir } from './lib/harness.mjs';
import { cpuMsOf, selfCpuMs } from './lib/proc-cpu.mjs';

// Read .tandem/test-env (DOCKER_HOST...) when the caller did not source it.
const envFile = join(REPO, '.tandem', 'test-env');
if (existsSync(envFile)) {
  for (const line of readFileSync(envFile, 'utf8').split('\n')) {
    const m = /^export ([A-Z_]+)=(.*)$/.exec(line.trim());
    if (m && process.env[m[1]] === undefined) process.env[m[1]] = m[2].replace(/^['"]|['"]$/g, '');
  }
}

const args = parseFlags(
  process.argv.slice(2),
  { containers: 50, concurrency: 8, rounds: 3, image: process.env.TANDEM_TEST_IMAGE ?? 'tandem-busybox:latest', mem: 16, cpus: 0.05, profile: '' },
  { containers: 3, concurrency: 2, rounds: 1 },
);
const BENCH_LABEL = 'tandem.bench';
/** Containers removed at once between phases (see the header). */
const REMOVE_CONCURRENCY = 4;
/** Quiet time after a clean-up, so that one phase's teardown does not land in the next. */
const SETTLE_MS = 1000;
const docker = new Docker();
const runId = `${process.pid}-${Date.now()}`;

/** create + start, as `docker run -d` does, with the limits and flags Tandem's containerizer uses. */
async function directLaunch(name, t0) {
  const c = await docker.createContainer({
    name,
    Image: args.image,
    Entrypoint: ['/bin/sh', '-c'],
    Cmd: ['sleep 300'],
    Labels: { [BENCH_LABEL]: runId },
    AttachStdout: true,
    AttachStderr: true,
    Tty: false,
    HostConfig: {
      NetworkMode: 'host',
      Memory: args.mem * 1048576,
      MemorySwap: args.mem * 1048576,
      NanoCpus: Math.round(args.cpus * 1e9),
      Init: true,
      SecurityOpt: ['no-new-privileges'],
    },
  });
  await c.start();
  return performance.now() - t0;
}

/** What the bench process and the master spent during a phase. */
function cpuMeter() {
  const self0 = selfCpuMs();
  const master0 = cpuMsOf(master.pid);
  return () => {
    const masterNow = cpuMsOf(master.pid);
    return { self: selfCpuMs() - self0, master: master0 !== undefined && masterNow !== undefined ? masterNow - master0 : undefined };
  };
}

async function runDirect(r) {
  const latencies = [];
  let next = 0;
  const cpu = cpuMeter();
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: args.concurrency }, async () => {
      // Latency counts from the start of the batch, as on the Tandem side (all C asked for at once).
      while (next < args.containers) latencies.push(await directLaunch(`tandem-bench-direct-${runId}-r${r}-${next++}`, t0));
    }),
  );
  return { seconds: (performance.now() - t0) / 1000, latencies: latencies.sort((a, b) => a - b), cpu: cpu() };
}

/** A fresh agent for round `r`, and the offer of its resources that the framework gets. */
async function startAgent(r) {
  const hostname = `bench-docker-r${r}`;
  const offered = new Promise((resolve) => {
    const off = driver.onOffers((offers) => {
      const offer = offers.find((o) => o.hostname === hostname);
      if (!offer) return;
      off();
      resolve(offer);
    });
  });
  const agent = new Agent({
    master: master.address,
    workDir: join(dir, `agent-r${r}`),
    hostname,
    resources: 'cpus:64;mem:65536;disk:1000;ports:[31000-32000]',
    containerizers: [new DockerContainerizer()],
    maxConcurrentLaunches: args.concurrency,
  });
  agents.push(agent);
  await agent.start();
  return { agent, offer: await offered };
}

async function runTandem(r, offer) {
  const infos = Array.from({ length: args.containers }, (_, i) =>
    taskInfo({ id: `r${r}-c${i}`, cpus: args.cpus, mem: args.mem, image: args.image, command: 'sleep 300' }, offer),
  );
  const ids = new Set(infos.map((t) => t.taskId));
  const latencies = [];
  let t0 = 0;
  let off;
  const running = new Promise((resolve, reject) => {
    off = driver.onUpdate((s) => {
      if (!ids.has(s.taskId)) return; // an earlier round's task
      if (s.state === 'TASK_RUNNING') {
        latencies.push(performance.now() - t0);
        if (latencies.length === args.containers) resolve();
      } else if (s.state !== 'TASK_STARTING' && s.state !== 'TASK_STAGING') {
        reject(new Error(`task ${s.taskId} ${s.state}: ${s.message}`));
      }
    });
  });
  const cpu = cpuMeter();
  t0 = performance.now();
  await driver.accept(offer.id, infos, { refuseSeconds: 3600 });
  await running.finally(() => off());
  return { seconds: (performance.now() - t0) / 1000, latencies: latencies.sort((a, b) => a - b), cpu: cpu() };
}

/** Removes the containers carrying one of these labels, a few at a time (see the header). */
async function removeContainers(filters) {
  const list = await docker.listContainers({ all: true, filters: { label: filters } });
  let next = 0;
  await Promise.all(
    Array.from({ length: REMOVE_CONCURRENCY }, async () => {
      while (next < list.length)
        await docker
          .getContainer(list[next++].Id)
          .remove({ force: true })
          .catch(() => undefined);
    }),
  );
}

/** Stops a round's agent (its tasks keep running) and removes its containers. */
async function stopAgent(agent) {
  const agentId = agent.agentId;
  await agent.stop().catch(() => undefined);
  if (agentId) await removeContainers([`tandem.agent-id=${agentId}`]);
}

const median = (values) => {
  const sorted = values.filter((v) => v !== undefined).sort((a, b) => a - b);
  return sorted.length === 0 ? undefined : sorted[Math.floor((sorted.length - 1) / 2)];
};

const dir = tempDir('tandem-bench-docker-');
const agents = [];
let master;
let driver;
try {
  if (!(await new DockerContainerizer().available())) throw new Error('no Docker Engine answers (DOCKER_HOST); run scripts/test-env.sh up');
  master = await startMasterProcess(
    { port: 0, workDir: join(dir, 'master') },
    { execArgv: args.profile ? ['--cpu-prof', '--cpu-prof-dir', args.profile] : [] },
  );
  driver = new SchedulerDriver({ master: master.address, framework: { name: 'bench-docker' } });
  await driver.start();

  const rounds = [];
  for (let r = 0; r < args.rounds; r++) {
    const { agent, offer } = await startAgent(r);
    const phases = {};
    // Alternate which side goes first, so that neither always runs on the machine the other left.
    for (const side of r % 2 === 0 ? ['direct', 'tandem'] : ['tandem', 'direct']) {
      note(
        `round ${r + 1}/${args.rounds}: ${side === 'direct' ? 'dockerode create+start' : 'through Tandem'}, ${args.containers} containers, concurrency ${args.concurrency}`,
      );
      if (side === 'direct') {
        phases.direct = await runDirect(r);
        await removeContainers([`${BENCH_LABEL}=${runId}`]);
      } else {
        phases.tandem = await runTandem(r, offer);
        await stopAgent(agent);
      }
      await sleep(SETTLE_MS);
    }
    const { direct, tandem } = phases;
    rounds.push({
      ratio: tandem.seconds / direct.seconds,
      added_p99_ms: percentile(tandem.latencies, 99) - percentile(direct.latencies, 99),
      tandem_s: tandem.seconds,
      direct_s: direct.seconds,
      tandem_p50_ms: percentile(tandem.latencies, 50),
      tandem_p99_ms: percentile(tandem.latencies, 99),
      direct_p50_ms: percentile(direct.latencies, 50),
      direct_p99_ms: percentile(direct.latencies, 99),
      tandem_cpu_ms: tandem.cpu.self,
      tandem_master_cpu_ms: tandem.cpu.master,
      direct_cpu_ms: direct.cpu.self,
    });
    note(`round ${r + 1}: ratio ${round(tandem.seconds / direct.seconds, 3)} (Tandem ${round(tandem.seconds, 3)} s, direct ${round(direct.seconds, 3)} s)`);
  }
  const m = (key) => {
    const v = median(rounds.map((x) => x[key]));
    return v === undefined ? null : round(v, key === 'ratio' ? 3 : 2);
  };
  out({
    bench: 'docker',
    containers: args.containers,
    concurrency: args.concurrency,
    rounds: args.rounds,
    ratio: m('ratio'),
    added_p99_ms: m('added_p99_ms'),
    tandem_s: m('tandem_s'),
    direct_s: m('direct_s'),
    tandem_p50_ms: m('tandem_p50_ms'),
    tandem_p99_ms: m('tandem_p99_ms'),
    direct_p50_ms: m('direct_p50_ms'),
    direct_p99_ms: m('direct_p99_ms'),
    // CPU during the phase: this process (agent + framework) and the master; the direct side's is dockerode alone.
    tandem_cpu_ms: m('tandem_cpu_ms'),
    tandem_master_cpu_ms: m('tandem_master_cpu_ms'),
    direct_cpu_ms: m('direct_cpu_ms'),
    ratios: rounds.map((x) => round(x.ratio, 3)),
  });
} finally {
  await driver?.stop().catch(() => undefined);
  for (const agent of agents) await stopAgent(agent).catch(() => undefined);
  await removeContainers([`${BENCH_LABEL}=${runId}`]).catch(() => undefined);
  await master?.stop().catch(() => undefined);
  removeDir(dir);
}
