// bench:flood — a real `tandem master` process with mutual TLS (its default limits unless
// flags say otherwise), flooded by one principal (operator/mallory: --calls Operator.GetWeights
// calls, --concurrency in flight) while another (operator/alice) makes calls one after another
// and /health is probed one after another. Also /health probed with the master idle.
// Prints the flood's outcome (answered, shed with RESOURCE_EXHAUSTED, anything else), alice's
// calls, and /health's p50/p99 idle and during the flood.
// Flags: --calls N (10000) --concurrency C (200) --idle-probes N (300) --rate-limit R and
// --rate-burst B (passed to the master; '' = its defaults). Needs `npx tsc -b` first.
import { spawn } from 'node:child_process';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { status as GrpcStatus } from '@grpc/grpc-js';
import { operatorClient, readTlsFiles } from '@tandem/protocol';
import { initCa, issueCert } from '../packages/cli/dist/certs/cluster-ca.js';
import { CLI, note, out, parseFlags, percentile, removeDir, round, tempDir } from './lib/harness.mjs';

const args = parseFlags(
  process.argv.slice(2),
  { calls: 10_000, concurrency: 200, idleProbes: 300, rateLimit: '', rateBurst: '' },
  { calls: 300, concurrency: 10, idleProbes: 10 },
);

const dir = tempDir('tandem-bench-flood-');
const files = (role, name) => ({ cert: join(dir, `${role}-${name}.crt`), key: join(dir, `${role}-${name}.key`), ca: join(dir, 'ca.crt') });
await initCa(dir);
for (const [role, name] of [
  ['master', 'm1'],
  ['operator', 'mallory'],
  ['operator', 'alice'],
])
  await issueCert({ dir, role, name });

const m = files('master', 'm1');
const limitArgs = [...(args.rateLimit ? ['--rate-limit', args.rateLimit] : []), ...(args.rateBurst ? ['--rate-burst', String(args.rateBurst)] : [])];
const master = spawn(
  process.execPath,
  [
    CLI,
    'master',
    '--host',
    '127.0.0.1',
    '--port',
    '0',
    '--http-port',
    '0',
    '--work-dir',
    join(dir, 'master'),
    '--tls-cert',
    m.cert,
    '--tls-key',
    m.key,
    '--tls-ca',
    m.ca,
    ...limitArgs,
  ],
  { env: { ...process.env, TANDEM_LOG_LEVEL: 'error' }, stdio: ['ignore', 'pipe', 'inherit'] },
);
const ports = await new Promise((resolve, reject) => {
  let text = '';
  master.stdout.on('data', (d) => {
    text += d;
    const found = /gRPC [^:]+:(\d+), HTTPS? [^:]+:(\d+)/.exec(text);
    if (found) resolve({ grpc: Number(found[1]), http: Number(found[2]), https: /HTTPS /.test(text) });
  });
  master.on('exit', (code) => reject(new Error(`the master exited (${code}) before it listened: ${text}`)));
});
note(
  `master on 127.0.0.1:${ports.grpc}, ${ports.https ? 'HTTPS' : 'HTTP'} ${ports.http}${limitArgs.length ? ` (${limitArgs.join(' ')})` : ' (default limits)'}`,
);

const ca = readTlsFiles(files('operator', 'alice')).ca;
/** One GET /health; its latency in ms, or -1 when it was not a 200. */
function health() {
  return new Promise((resolve) => {
    const t0 = performance.now();
    const opts = { host: '127.0.0.1', port: ports.http, path: '/health', agent: false };
    const onReply = (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode === 200 ? performance.now() - t0 : -1));
    };
    const req = ports.https ? httpsRequest({ ...opts, ca }, onReply) : httpRequest(opts, onReply);
    req.on('error', () => resolve(-1));
    req.end();
  });
}
const stats = (ms) => {
  const ok = ms.filter((v) => v >= 0).sort((a, b) => a - b);
  return { probes: ms.length, failed: ms.length - ok.length, p50_ms: round(percentile(ok, 50)), p99_ms: round(percentile(ok, 99)) };
};

const mallory = operatorClient(`127.0.0.1:${ports.grpc}`, { tls: readTlsFiles(files('operator', 'mallory')) });
const alice = operatorClient(`127.0.0.1:${ports.grpc}`, { tls: readTlsFiles(files('operator', 'alice')) });
const call = (c) => new Promise((resolve) => c.GetWeights({}, (err) => resolve(err)));
// Both channels connected (and the TLS handshakes done) before anything is timed.
await call(mallory);
await call(alice);

const idle = [];
for (let i = 0; i < args.idleProbes; i += 1) idle.push(await health());
note(`idle /health: ${JSON.stringify(stats(idle))}; flooding with ${args.calls} calls at concurrency ${args.concurrency}`);

const flood = { ok: 0, shed: 0, other: 0 };
let next = 0;
let flooding = true;
const t0 = performance.now();
const worker = async () => {
  while (next < args.calls) {
    next += 1;
    const err = await call(mallory);
    if (!err) flood.ok += 1;
    else if (err.code === GrpcStatus.RESOURCE_EXHAUSTED) flood.shed += 1;
    else flood.other += 1;
  }
};
const done = Promise.all(Array.from({ length: args.concurrency }, worker)).then(() => {
  flooding = false;
});
const other = { calls: 0, ok: 0 };
const aliceLoop = (async () => {
  while (flooding) {
    other.calls += 1;
    if (!(await call(alice))) other.ok += 1;
  }
})();
const during = [];
const probeLoop = (async () => {
  while (flooding) during.push(await health());
})();
await Promise.all([done, aliceLoop, probeLoop]);
const seconds = (performance.now() - t0) / 1000;

mallory.close();
alice.close();
master.kill('SIGTERM');
await new Promise((resolve) => master.once('exit', resolve));
removeDir(dir);

out({
  bench: 'flood',
  calls: args.calls,
  concurrency: args.concurrency,
  limits: limitArgs.join(' ') || 'defaults',
  flood_seconds: round(seconds),
  answered: flood.ok,
  shed: flood.shed,
  other_errors: flood.other,
  other_principal_calls: other.calls,
  other_principal_ok: other.ok,
  health_idle: stats(idle),
  health_flood: stats(during),
});
