import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { dockerAvailable } from './support/cluster.js';

const run = promisify(execFile);
const bench = (name: string): string => fileURLToPath(new URL(`../bench/${name}.mjs`, import.meta.url));

/** Runs a bench's --quick size and returns its last stdout line, parsed. */
async function quick(name: string): Promise<Record<string, unknown>> {
  const { stdout } = await run(process.execPath, [bench(name), '--quick'], { timeout: 30_000, env: { ...process.env, TANDEM_LOG_LEVEL: 'silent' } });
  const last = stdout.trim().split('\n').at(-1) ?? '';
  return JSON.parse(last) as Record<string, unknown>;
}

function expectNumbers(result: Record<string, unknown>, keys: readonly string[]): void {
  for (const key of keys) expect(typeof result[key], key).toBe('number');
}

// Speed is not checked here, only that each bench still runs and prints well-formed JSON.
describe('benchmarks (--quick)', () => {
  it('bench - throughput --quick prints tasks_per_s, p50/p99 and the grpc-js stream rate', async () => {
    const r = await quick('throughput');
    expect(r).toMatchObject({ bench: 'throughput' });
    expectNumbers(r, ['agents', 'tasks', 'tasks_per_s', 'p50_ms', 'p99_ms', 'grpc_stream_msgs_per_s']);
    // The master's default per-principal limits refuse nothing a benchmark's clients do.
    expect(r.master_shed).toBe(0);
  });

  it('bench - failover --quick prints seconds and relaunched 0', async () => {
    const r = await quick('failover');
    expect(r).toMatchObject({ bench: 'failover', relaunched: 0, master_shed: 0 });
    expectNumbers(r, ['agents', 'tasks', 'seconds']);
  });

  it('bench - memory --quick prints rss_mib and heap_mib', async () => {
    const r = await quick('memory');
    expect(r).toMatchObject({ bench: 'memory' });
    expectNumbers(r, ['agents', 'tasks', 'rss_mib', 'heap_mib']);
  });

  it('bench - apps --quick prints seconds until every instance of the scaled app is RUNNING', async () => {
    const r = await quick('apps');
    expect(r).toMatchObject({ bench: 'apps', instances: 20, agents: 5 });
    expectNumbers(r, ['seconds', 'deployment_s']);
  });

  it('bench - flood --quick: every flood call answered or shed, the other principal and /health always answered', async () => {
    const r = await quick('flood');
    expect(r).toMatchObject({ bench: 'flood', calls: 300, other_errors: 0 });
    expect(Number(r.answered) + Number(r.shed)).toBe(300);
    expect(r.other_principal_ok).toBe(r.other_principal_calls);
    expect(r.health_flood).toMatchObject({ failed: 0 });
    expect(r.health_idle).toMatchObject({ failed: 0 });
  });

  it('bench - cli-start --quick: tandem --help, --version and completion bash exit 0, agents against a closed port exits 1; a median each', async () => {
    const r = await quick('cli-start');
    expect(r).toMatchObject({ bench: 'cli-start', runs: 1 });
    for (const key of ['node', 'help', 'version', 'completion', 'agentsRefused'])
      expect(typeof (r.medianMs as Record<string, unknown>)[key], key).toBe('number');
  });

  it('bench - docker --quick prints ratio and added_p99_ms', async (ctx) => {
    if (!(await dockerAvailable())) ctx.skip();
    const r = await quick('docker');
    expect(r).toMatchObject({ bench: 'docker' });
    expectNumbers(r, ['containers', 'concurrency', 'ratio', 'added_p99_ms']);
  });
});
