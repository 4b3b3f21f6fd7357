// bench:memory — master RSS and V8 heap with N hollow agents and T running tasks (the
// master in its own process). Measured right after the launch (before and after two full
// GCs: rss_before_gc_mib, rss_at_once_mib), and then, the figures that count (rss_mib,
// heap_mib), after --settle S seconds (60) of an idle cluster and two more full GCs: V8
// unmaps freed pages and its memory reducer compacts fragmented ones a while after a
// burst, not at once (at 10k/100k: ≈540 MiB at once, ≈450 after 15 s, ≈400 after 60 s).
//
// Flags: --agents N (10000) --tasks T (100000) --resources SPEC --settle S --quick; --snapshot FILE
// writes a V8 heap snapshot of the master after the GCs; --master-node-options 'FLAGS'
// (space-separated) runs the master's node with those flags; --hold S keeps the cluster up
// S seconds after the result (master_pid in it) for a look from outside. Needs `npx tsc -b`.
import { MiB, note, out, parseFlags, removeDir, round, sleep, tempDir } from './lib/harness.mjs';
import { startRunningCluster, stopRunningCluster } from './lib/running-cluster.mjs';

const args = parseFlags(
  process.argv.slice(2),
  { agents: 10000, tasks: 100000, resources: 'cpus:8;mem:16384;ports:[31000-32000]', snapshot: '', masterNodeOptions: '', settle: 60, hold: 0 },
  { agents: 20, tasks: 200, settle: 1 },
);
const dir = tempDir('tandem-bench-memory-');
let cluster;
try {
  const masterExecArgv = args.masterNodeOptions.split(' ').filter((f) => f !== '');
  cluster = await startRunningCluster({ dir, agents: args.agents, tasks: args.tasks, resources: args.resources, masterExecArgv });
  const before = await cluster.master.stats();
  const atOnce = await cluster.master.gc();
  await sleep(args.settle * 1000);
  const after = await cluster.master.gc();
  note(`master: ${before.active} agents active, ${before.tasks} tasks (${before.running} running)`);
  if (before.active !== args.agents || before.running !== args.tasks)
    throw new Error(`expected ${args.agents} agents and ${args.tasks} running tasks, master has ${before.active} and ${before.running}`);
  if (args.snapshot !== '') note(`heap snapshot: ${(await cluster.master.snapshot(args.snapshot)).path}`);
  out({
    bench: 'memory',
    master_pid: cluster.master.pid,
    agents: args.agents,
    tasks: args.tasks,
    rss_mib: round(after.rss / MiB, 1),
    heap_mib: round(after.heapUsed / MiB, 1),
    heap_total_mib: round(after.heapTotal / MiB, 1),
    external_mib: round(after.external / MiB, 1),
    array_buffers_mib: round(after.arrayBuffers / MiB, 1),
    rss_at_once_mib: round(atOnce.rss / MiB, 1),
    heap_at_once_mib: round(atOnce.heapUsed / MiB, 1),
    rss_before_gc_mib: round(before.rss / MiB, 1),
    heap_before_gc_mib: round(before.heapUsed / MiB, 1),
    kib_per_task: round(after.heapUsed / 1024 / Math.max(1, args.tasks), 2),
    // V8 heap spaces after the GCs, MiB committed/used: what of heap_total is slack.
    rss_by_mapping_mib: after.mappings,
    spaces: Object.fromEntries(
      Object.entries(after.spaces ?? {}).map(([k, v]) => [k.replace(/_space$/, ''), `${round(v.size / MiB, 1)}/${round(v.used / MiB, 1)}`]),
    ),
  });
  if (args.hold > 0) await sleep(args.hold * 1000);
} finally {
  if (cluster) await stopRunningCluster(cluster);
  removeDir(dir);
}
