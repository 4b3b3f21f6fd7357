// bench:docker — a real agent (DockerContainerizer, disk checkpoints) on the real Docker
// Engine: C busybox containers (`sleep`) launched through Tandem (framework ACCEPT ->
// master -> agent -> engine -> TASK_RUNNING back at the framework), against the same C
// containers created and started directly with dockerode (same image, command, limits,
// host network, init) at the same concurrency, in the same run. Reports both wall times,
// `ratio` (Tandem / direct) and `added_p99_ms` (Tandem p99 - direct p99 per container).
//
// Flags: --containers C (50) --concurrency K (8: the agent's maxConcurrentLaunches and the
// direct pool) --image IMG (tandem-busybox:latest) --quick. Needs `npx tsc -b` and a Docker
// Engine (DOCKER_HOST; `scripts/test-env.sh up` then `source .tandem/test-env`).
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Agent, DockerContainerizer } from '@tandem/agent';
import { SchedulerDriver, taskInfo } from '@tandem/framework-sdk';
import Docker from 'dockerode';
import { note, out, parseFlags, percentile, REPO, removeDir, round, startMasterProcess, tempDir } from './lib/harness.mjs';

// Read .tandem/test-env (DOCKER_HOST...) when the caller did not source it.
const envFile = join(REPO, '.tandem', 'test-env');
if (existsSync(envFile)) {
  for (const line of readFileSync(envFile, 'utf8').split('\n')) {
    const m = /^export ([A-Z_]+)=(.*)$/.exec(line.trim());
    if (m && process.env[m[1]] === undefined) process.env[m[1]] = m[2].replace(/^['"]|['"]$/g, '');
  }
}

const args = parseFlags(process.argv.slice(2), { containers: 50, concurrency: 8, image: process.env.TANDEM_TEST_IMAGE ?? 'tandem-busybox:latest', mem: 16, cpus: 0.05 }, { containers: 3, concurrency: 2 });
const BENCH_LABEL = 'tandem.bench';
const docker = new Docker();
const runId = `${process.pid}-${Date.now()}`;

/** create + start, as `docker run -d` does, with the limits and flags Tandem's containerizer uses. */
async function directLaunch(i, t0) {
  const c = await docker.createContainer({
    name: `tandem-bench-direct-${runId}-${i}`,
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

async function runDirect() {
  const latencies = [];
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: args.concurrency }, async () => {
      // Latency counts from the start of the batch, as on the Tandem side (all C asked for at once).
      while (next < args.containers) latencies.push(await directLaunch(next++, t0));
    }),
  );
  return { seconds: (performance.now() - t0) / 1000, latencies: latencies.sort((a, b) => a - b) };
}

async function runTandem(driver, firstOffer) {
  const offer = await firstOffer;
  const infos = Array.from({ length: args.containers }, (_, i) =>
    taskInfo({ id: `c${i}`, cpus: args.cpus, mem: args.mem, image: args.image, command: 'sleep 300' }, offer),
  );
  const latencies = [];
  let t0 = 0;
  const running = new Promise((resolve, reject) => {
    driver.onUpdate((s) => {
      if (s.state === 'TASK_RUNNING') {
        latencies.push(performance.now() - t0);
        if (latencies.length === args.containers) resolve();
      } else if (s.state !== 'TASK_STARTING' && s.state !== 'TASK_STAGING') {
        reject(new Error(`task ${s.taskId} ${s.state}: ${s.message}`));
      }
    });
  });
  t0 = performance.now();
  await driver.accept(offer.id, infos, { refuseSeconds: 3600 });
  await running;
  return { seconds: (performance.now() - t0) / 1000, latencies: latencies.sort((a, b) => a - b) };
}

async function removeContainers(filters) {
  const list = await docker.listContainers({ all: true, filters: { label: filters } });
  await Promise.all(list.map((c) => docker.getContainer(c.Id).remove({ force: true }).catch(() => undefined)));
}

const dir = tempDir('tandem-bench-docker-');
let master;
let agent;
let driver;
try {
  if (!(await new DockerContainerizer().available())) throw new Error('no Docker Engine answers (DOCKER_HOST); run scripts/test-env.sh up');
  master = await startMasterProcess({ port: 0, workDir: join(dir, 'master') });
  agent = new Agent({
    master: master.address,
    workDir: join(dir, 'agent'),
    hostname: 'bench-docker',
    resources: 'cpus:64;mem:65536;disk:1000;ports:[31000-32000]',
    containerizers: [new DockerContainerizer()],
    maxConcurrentLaunches: args.concurrency,
  });
  await agent.start();
  driver = new SchedulerDriver({ master: master.address, framework: { name: 'bench-docker' } });
  // The agent's one offer arrives right after SUBSCRIBED; keep it for the Tandem run.
  const firstOffer = new Promise((resolve) => {
    const off = driver.onOffers((offers) => {
      off();
      resolve(offers[0]);
    });
  });
  await driver.start();

  note(`direct: ${args.containers} containers, concurrency ${args.concurrency}`);
  const direct = await runDirect();
  await removeContainers([`${BENCH_LABEL}=${runId}`]);
  note(`through Tandem: ${args.containers} containers, agent maxConcurrentLaunches ${args.concurrency}`);
  const tandem = await runTandem(driver, firstOffer);
  const ratio = tandem.seconds / direct.seconds;
  out({
    bench: 'docker',
    containers: args.containers,
    concurrency: args.concurrency,
    ratio: round(ratio, 3),
    added_p99_ms: round(percentile(tandem.latencies, 99) - percentile(direct.latencies, 99)),
    tandem_s: round(tandem.seconds, 3),
    direct_s: round(direct.seconds, 3),
    tandem_p50_ms: round(percentile(tandem.latencies, 50)),
    tandem_p99_ms: round(percentile(tandem.latencies, 99)),
    direct_p50_ms: round(percentile(direct.latencies, 50)),
    direct_p99_ms: round(percentile(direct.latencies, 99)),
  });
} finally {
  await driver?.stop().catch(() => undefined);
  const agentId = agent?.agentId;
  await agent?.stop().catch(() => undefined);
  if (agentId) await removeContainers([`tandem.agent-id=${agentId}`]).catch(() => undefined);
  await removeContainers([`${BENCH_LABEL}=${runId}`]).catch(() => undefined);
  await master?.stop().catch(() => undefined);
  removeDir(dir);
}
