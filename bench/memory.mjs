// bench:memory — master RSS and V8 heap with N hollow agents and T running tasks (the
// master in its own process; measured after two full GCs, and before them).
//
// Flags: --agents N (10000) --tasks T (100000) --resources SPEC --quick. Needs `npx tsc -b`.
import { MiB, note, out, parseFlags, removeDir, round, tempDir } from './lib/harness.mjs';
import { startRunningCluster, stopRunningCluster } from './lib/running-cluster.mjs';

const args = parseFlags(
  process.argv.slice(2),
  { agents: 10000, tasks: 100000, resources: 'cpus:8;mem:16384;ports:[31000-32000]' },
  { agents: 20, tasks: 200 },
);
const dir = tempDir('tandem-bench-memory-');
let cluster;
try {
  cluster = await startRunningCluster({ dir, agents: args.agents, tasks: args.tasks, resources: args.resources });
  const before = await cluster.master.stats();
  const after = await cluster.master.gc();
  note(`master: ${before.active} agents active, ${before.tasks} tasks (${before.running} running)`);
  if (before.active !== args.agents || before.running !== args.tasks) throw new Error(`expected ${args.agents} agents and ${args.tasks} running tasks, master has ${before.active} and ${before.running}`);
  out({
    bench: 'memory',
    agents: args.agents,
    tasks: args.tasks,
    rss_mib: round(after.rss / MiB, 1),
    heap_mib: round(after.heapUsed / MiB, 1),
    rss_before_gc_mib: round(before.rss / MiB, 1),
    heap_before_gc_mib: round(before.heapUsed / MiB, 1),
    kib_per_task: round(after.heapUsed / 1024 / Math.max(1, args.tasks), 2),
  });
} finally {
  if (cluster) await stopRunningCluster(cluster);
  removeDir(dir);
}
