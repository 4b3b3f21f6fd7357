import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Agent } from './agent.js';
import { startAgentHttp } from './http-api.js';
import { FakeContainerizer } from './test-support/fake-containerizer.js';

describe('agent HTTP rate limit', () => {
  it('agent-http - requests over the rate are 429 with Retry-After naming the limit; /health is never limited', async () => {
    const agent = new Agent({
      master: '127.0.0.1:1', // never started: the HTTP API alone is under test
      workDir: mkdtempSync(join(tmpdir(), 'tandem-agent-http-rate-')),
      resources: 'cpus:1;mem:256;disk:10;ports:[31000-31001]',
      containerizers: [new FakeContainerizer()],
    });
    const http = await startAgentHttp(agent, '127.0.0.1', 0, { rateLimit: { count: 1, perMs: 60_000, burst: 2 } });
    try {
      const url = `http://127.0.0.1:${http.port}`;
      const states = [];
      for (let i = 0; i < 3; i += 1) states.push(await fetch(`${url}/api/v1/state`));
      expect(states.map((r) => r.status)).toEqual([200, 200, 429]);
      const shed = states[2] as Response;
      expect(Number(shed.headers.get('retry-after'))).toBeGreaterThan(50);
      expect(((await shed.json()) as { message: string }).message).toMatch(
        /^too many requests from address .*: the limit is 1\/60s, burst 2 \(--http-rate-limit\)/,
      );
      // Not running: 503, but answered every time, never 429.
      for (let i = 0; i < 5; i += 1) expect((await fetch(`${url}/health`)).status).toBe(503);
    } finally {
      await http.close();
    }
  });
});
