// bench:cli-start — how long `tandem` takes from process start to exit, for commands
// that do no work: `--help`, `--version`, `completion bash`, and `agents --json` against a
// port nothing listens on (it loads the gRPC client, fails to connect, exits 1). Each
// command runs --runs times (default 7) one after the other; the median wall time of each
// is reported. Wall time includes Node's own start (`node -e 0`, reported as `node`).
//
// Flags: --runs N, --bin PATH (another build of bin/tandem.js, to compare: default
// packages/cli/bin/tandem.js), --quick (one run each, for the test suite). Prints one line
// per command on stderr and the JSON on stdout. Needs `npx tsc -b packages/cli` first.
// A command that exits otherwise than expected (0; 1 for the refused one) fails the bench.
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';

function parseArgs(argv) {
  const args = { runs: 7, bin: join(dirname(fileURLToPath(import.meta.url)), '..', 'packages', 'cli', 'bin', 'tandem.js') };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === '--runs') args.runs = Number(next());
    else if (a === '--bin') args.bin = next();
    else if (a === '--quick') args.runs = 1;
    else throw new Error(`unknown flag ${a}`);
  }
  if (!Number.isInteger(args.runs) || args.runs < 1) throw new Error('--runs must be a whole number >= 1');
  return args;
}

const COMMANDS = {
  node: ['-e', '0'],
  help: ['--help'],
  version: ['--version'],
  completion: ['completion', 'bash'],
  agentsRefused: ['agents', '--json', '--master', '127.0.0.1:1'],
};

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
};

const args = parseArgs(process.argv.slice(2));
const env = { ...process.env, TANDEM_LOG_LEVEL: 'silent' };
const result = { bench: 'cli-start', runs: args.runs, bin: args.bin, medianMs: {} };
for (const [name, argv] of Object.entries(COMMANDS)) {
  const full = name === 'node' ? argv : [args.bin, ...argv];
  const times = [];
  for (let i = 0; i < args.runs; i++) {
    const t0 = performance.now();
    const r = spawnSync(process.execPath, full, { env, stdio: ['ignore', 'ignore', 'pipe'] });
    times.push(performance.now() - t0);
    if (r.error) throw r.error;
    const expected = name === 'agentsRefused' ? 1 : 0;
    if (r.status !== expected) throw new Error(`${name}: exit ${r.status}, expected ${expected}: ${String(r.stderr).slice(0, 300)}`);
  }
  result.medianMs[name] = Math.round(median(times));
  process.stderr.write(`${name.padEnd(14)} median ${result.medianMs[name]} ms (${times.map((t) => Math.round(t)).join(' ')})\n`);
}
process.stdout.write(`${JSON.stringify(result)}\n`);
