// bench:throughput — a real master (HierarchicalAllocator, its own process), N hollow agents
// (`tandem hollow`, one process) and one framework (the SDK, in this process) over real
// gRPC, launching M short tasks. Reports tasks/s from the first ACCEPT to the last
// TASK_RUNNING the framework receives (and acknowledges), per-task launch latency (ACCEPT
// sent -> RUNNING received) p50/p99, and the bare grpc-js bidi-stream message rate measured
// in the same run. Each offer gets at most --per-offer tasks (default: tasks/agents, so
// every agent runs some).
//
// Flags: --agents N (5000) --tasks M (50000) --per-offer K --task-ms D (1000: how long a
// task runs) --grpc-seconds S (1) --profile DIR (write a --cpu-prof of the master there)
// --quick --nats URL (the master publishes its events there, as `tandem master --nats`). Needs
// `npx tsc -b` first.
import { join } from 'node:path';
import { measureGrpcStreamRate } from './lib/grpc-rate.mjs';
import { launchTasks, note, out, parseFlags, percentile, removeDir, round, startHollow, startMasterProcess, tempDir } from './lib/harness.mjs';

const args = parseFlags(
  process.argv.slice(2),
  {
    agents: 5000,
    tasks: 50000,
    perOffer: 0,
    taskMs: 1000,
    grpcSeconds: 1,
    grpcWindow: 100,
    profile: '',
    resources: 'cpus:8;mem:16384;ports:[31000-32000]',
    nats: '',
  },
  { agents: 20, tasks: 200, grpcSeconds: 0.2 },
);
const perOffer = args.perOffer > 0 ? args.perOffer : Math.ceil(args.tasks / args.agents);

const dir = tempDir('tandem-bench-throughput-');
let master;
let hollow;
let driver;
try {
  note(`grpc-js stream baseline (${args.grpcSeconds} s)`);
  const grpcStream = await measureGrpcStreamRate({ seconds: args.grpcSeconds, window: args.grpcWindow });
  const grpcPingPong = await measureGrpcStreamRate({ seconds: args.grpcSeconds, window: 1 });
  master = await startMasterProcess(
    { port: 0, workDir: join(dir, 'master'), ...(args.nats ? { nats: args.nats } : {}) },
    { execArgv: args.profile ? ['--cpu-prof', '--cpu-prof-dir', args.profile] : [] },
  );
  note(`master on ${master.address}; starting ${args.agents} hollow agents`);
  hollow = await startHollow({
    master: master.address,
    count: args.agents,
    resources: args.resources,
    workDir: join(dir, 'hollow'),
    execArgv: args.profile ? ['--cpu-prof', '--cpu-prof-dir', args.profile] : [],
  });
  note(`agents registered in ${round(hollow.startSeconds)} s; launching ${args.tasks} tasks, ${perOffer} per offer`);
  const run = await launchTasks({ master: master.address, tasks: args.tasks, perOffer, durationMs: args.taskMs });
  driver = run.driver;
  const stats = await master.stats();
  const result = {
    bench: 'throughput',
    agents: args.agents,
    tasks: args.tasks,
    per_offer: perOffer,
    task_ms: args.taskMs,
    tasks_per_s: Math.round(args.tasks / run.seconds),
    seconds: round(run.seconds, 3),
    p50_ms: round(percentile(run.latencies, 50)),
    p99_ms: round(percentile(run.latencies, 99)),
    grpc_stream_msgs_per_s: grpcStream,
    grpc_stream_window: args.grpcWindow,
    grpc_pingpong_msgs_per_s: grpcPingPong,
    agents_start_s: round(hollow.startSeconds),
    master_rss_mib: round(stats.rss / 1048576, 1),
    // Calls and streams the master's per-principal limits refused (the defaults must refuse none here).
    master_shed: stats.shed,
    ...(stats.events ? { events_on_nats: stats.events } : {}),
  };
  await driver.stop();
  driver = undefined;
  out(result);
} finally {
  await driver?.stop().catch(() => undefined);
  await hollow?.stop().catch(() => undefined);
  await master?.stop().catch(() => undefined);
  removeDir(dir);
}
