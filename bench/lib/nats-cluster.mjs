// A 3-node NATS JetStream cluster on loopback for benchmarks (bench:failover --ha): each
// node a Debian `nats-server` (scripts/test-env.sh up installs it; TANDEM_NATS_SERVER names
// another binary) with its own store dir, configured by flags. Ready once a replicated KV
// bucket can be created, i.e. JetStream has a meta leader.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { NatsKvStore } from '@tandem/store';
import { note, sleep } from './harness.mjs';

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

function natsServerBinary() {
  const found = [process.env.TANDEM_NATS_SERVER, '/usr/sbin/nats-server', '/usr/bin/nats-server', '/usr/local/bin/nats-server'].find((p) => p && existsSync(p));
  if (!found) throw new Error('nats-server not found: run scripts/test-env.sh up (it installs Debian nats-server) or set TANDEM_NATS_SERVER');
  return found;
}

export async function startNatsCluster({ dir, nodes = 3 }) {
  const bin = natsServerBinary();
  const ports = [];
  for (let i = 0; i < nodes; i++) ports.push({ client: await freePort(), cluster: await freePort() });
  const children = ports.map((p, i) => {
    const routes = ports.filter((_, j) => j !== i).map((q) => `nats://127.0.0.1:${q.cluster}`);
    const args = [
      '-js',
      '-sd',
      join(dir, `n${i + 1}`),
      '-a',
      '127.0.0.1',
      '-p',
      String(p.client),
      '-n',
      `n${i + 1}`,
      '--cluster_name',
      'bench',
      '--cluster',
      `nats://127.0.0.1:${p.cluster}`,
      '--routes',
      routes.join(','),
    ];
    return spawn(bin, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  });
  const urls = ports.map((p) => `nats://127.0.0.1:${p.client}`);
  const stop = async () => {
    await Promise.all(
      children.map(
        (c) =>
          new Promise((resolve) => {
            if (c.exitCode !== null || c.signalCode !== null) return resolve();
            c.once('exit', resolve);
            c.kill('SIGTERM');
            setTimeout(() => c.kill('SIGKILL'), 5_000).unref();
          }),
      ),
    );
  };
  // Ready once a bucket with 3 replicas can be made (the meta leader is elected).
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      const probe = await NatsKvStore.open({ servers: urls, bucket: 'bench-ready', replicas: nodes, timeoutMs: 2_000 });
      await probe.close();
      break;
    } catch (err) {
      if (Date.now() > deadline) {
        await stop();
        throw new Error(`the NATS cluster did not become ready: ${err.message}`);
      }
      await sleep(250);
    }
  }
  note(`NATS cluster of ${nodes} on ${urls.join(',')}`);
  return { urls, servers: urls.join(','), stop };
}
