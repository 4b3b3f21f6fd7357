// The bare grpc-js bidirectional-stream message rate on this machine, two processes on
// loopback: the client keeps `window` small messages in flight on one stream and counts
// the echoes per second. The baseline the scheduler's own rates are read against.
import { performance } from 'node:perf_hooks';
import { agentClient } from '@tandem/protocol';
import { startMasterProcess } from './harness.mjs';

export async function measureGrpcStreamRate({ seconds = 1, window = 1 } = {}) {
  const server = await startMasterProcess({ echo: true });
  const client = agentClient(server.address);
  try {
    const call = client.connect();
    let received = 0;
    let sent = 0;
    let stopAt = Number.POSITIVE_INFINITY;
    let t0 = 0;
    const result = await new Promise((resolve, reject) => {
      const send = () => {
        call.write({ pong: { seq: ++sent } });
      };
      call.on('data', () => {
        received++;
        if (t0 === 0 && received === 100) {
          // warmed up: start the clock
          t0 = performance.now();
          stopAt = t0 + seconds * 1000;
          received = 0;
        }
        if (performance.now() >= stopAt) {
          resolve(received / ((performance.now() - t0) / 1000));
          return;
        }
        send();
      });
      call.on('error', reject);
      for (let i = 0; i < window; i++) send();
    });
    call.cancel();
    return Math.round(result);
  } finally {
    client.close();
    await server.stop();
  }
}
