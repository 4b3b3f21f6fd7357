// bench:allocator — Mesos' HierarchicalAllocator_BENCHMARK_Test.DeclineOffers, in process.
//
// Every agent is `cpus:24;mem:4096;disk:4096;ports:[31000-32000]` with 16 cpus (and 16 ports)
// used by framework (i mod F); all frameworks are in role `*`. Each round, every framework
// declines every offer it got with refuse_seconds = INT_MAX (a filter that never expires,
// as Mesos' benchmark does), then one allocation cycle runs and is timed. Only `allocate()`
// is timed (Mesos times the cycle, not the declines); decline time is reported beside it.
//
// Flags: --agents N --frameworks N (one point), --rounds N (cycles per point, default 20),
// --allocator hierarchical|drf, --quick (a tiny point for the test suite). Without
// --agents/--frameworks it runs the grid {1k,5k,10k,20k} x {1,100,1000}, one JSON line
// per point and a final summary line. Needs `npx tsc -b packages/master` first.
import { performance } from 'node:perf_hooks';
import { DrfAllocator, HierarchicalAllocator } from '@tandem/master';
import { Resources } from '@tandem/protocol';

const INT_MAX = 2147483647;
const GRID_AGENTS = [1000, 5000, 10000, 20000];
const GRID_FRAMEWORKS = [1, 100, 1000];

function parseArgs(argv) {
  const args = { rounds: 20, allocator: 'hierarchical', quick: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === '--agents') args.agents = Number(next());
    else if (a === '--frameworks') args.frameworks = Number(next());
    else if (a === '--rounds') args.rounds = Number(next());
    else if (a === '--allocator') args.allocator = next();
    else if (a === '--quick') args.quick = true;
    else throw new Error(`unknown flag ${a}`);
  }
  if (!['hierarchical', 'drf'].includes(args.allocator)) throw new Error('--allocator is hierarchical or drf');
  return args;
}

function percentile(sorted, p) {
  if (sorted.length === 0) return 0;
  const i = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return sorted[Math.max(0, i)];
}

const round2 = (v) => Math.round(v * 100) / 100;

function runPoint(kind, agents, frameworks, rounds) {
  const clock = { t: 1_000_000 };
  const now = () => clock.t;
  const allocator = kind === 'drf' ? new DrfAllocator({ now }) : new HierarchicalAllocator({ now });
  const total = Resources.parse('cpus:24;mem:4096;disk:4096;ports:[31000-32000]');
  // 16 tasks of 1 cpu, each with a port, as in Mesos' benchmark.
  const ports = Array.from({ length: 16 }, (_, i) => ({ begin: 31000 + i * 50, end: 31000 + i * 50 }));
  const used = Resources.of({ cpus: 16, mem: 2014, disk: 1024, ports });
  const fids = Array.from({ length: frameworks }, (_, i) => `fw-${i}`);
  for (const fid of fids) allocator.addFramework(fid, { roles: ['*'] });
  const addStart = performance.now();
  for (let i = 0; i < agents; i++) {
    allocator.addAgent(`agent-${i}`, total, new Map([[fids[i % frameworks], used]]));
  }
  const addMs = performance.now() - addStart;
  const cycles = [];
  const declines = [];
  let offers = [];
  let offersMade = 0;
  for (let round = 0; round < rounds; round++) {
    const d0 = performance.now();
    for (const o of offers) allocator.recover(o.frameworkId, o.agentId, o.resources, INT_MAX, o.role);
    declines.push(performance.now() - d0);
    clock.t += 1000;
    const t0 = performance.now();
    offers = allocator.allocate(clock.t);
    cycles.push(performance.now() - t0);
    offersMade += offers.length;
  }
  const sorted = [...cycles].sort((a, b) => a - b);
  const sortedDeclines = [...declines].sort((a, b) => a - b);
  return {
    bench: 'allocator',
    allocator: kind,
    agents,
    frameworks,
    rounds,
    p50_ms: round2(percentile(sorted, 50)),
    p99_ms: round2(percentile(sorted, 99)),
    max_ms: round2(sorted[sorted.length - 1] ?? 0),
    first_cycle_ms: round2(cycles[0] ?? 0),
    offers_per_cycle: Math.round(offersMade / Math.max(1, rounds)),
    decline_p50_ms: round2(percentile(sortedDeclines, 50)),
    add_agents_ms: round2(addMs),
  };
}

const args = parseArgs(process.argv.slice(2));
const out = (o) => process.stdout.write(`${JSON.stringify(o)}\n`);
if (args.quick) {
  out(runPoint(args.allocator, 200, 10, 5));
} else if (args.agents !== undefined || args.frameworks !== undefined) {
  out(runPoint(args.allocator, args.agents ?? 10000, args.frameworks ?? 1000, args.rounds));
} else {
  const points = [];
  for (const a of GRID_AGENTS) {
    for (const f of GRID_FRAMEWORKS) {
      const p = runPoint(args.allocator, a, f, args.rounds);
      points.push(p);
      out(p);
    }
  }
  const at = points.find((p) => p.agents === 10000 && p.frameworks === 1000);
  out({
    bench: 'allocator',
    allocator: args.allocator,
    grid: points.map((p) => ({ agents: p.agents, frameworks: p.frameworks, p50_ms: p.p50_ms, p99_ms: p.p99_ms })),
    agents: 10000,
    frameworks: 1000,
    p50_ms: at?.p50_ms,
    p99_ms: at?.p99_ms,
  });
}
