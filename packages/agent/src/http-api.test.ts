import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Agent } from './agent.js';
import { startAgentHttp } from './http-api.js';
import { FakeContainerizer } from './test-support/fake-containerizer.js';

describe('agent HTTP', () => {
  it('agent-http - health is 503 until the agent runs, state shows resources, unknown paths 404', async () => {
    const agent = new Agent({
      master: '127.0.0.1:1', // nothing listens: the agent keeps redialling, which is fine here
      workDir: mkdtempSync(join(tmpdir(), 'tandem-agent-http-')),
      resources: 'cpus:1;mem:256;disk:10;ports:[31000-31001]',
      containerizers: [new FakeContainerizer()],
    });
    const http = await startAgentHttp(agent, '127.0.0.1', 0);
    try {
      const before = await fetch(`http://127.0.0.1:${http.port}/health`);
      expect(before.status).toBe(503);
      await agent.start();
      const health = await fetch(`http://127.0.0.1:${http.port}/health`);
      expect(health.status).toBe(200);
      const state = (await (await fetch(`http://127.0.0.1:${http.port}/api/v1/state`)).json()) as { resources: Record<string, unknown>; tasks: unknown[] };
      expect(state.resources).toMatchObject({ cpus: 1, mem: 256, ports: '[31000-31001]' });
      expect(state.tasks).toEqual([]);
      expect((await fetch(`http://127.0.0.1:${http.port}/nope`)).status).toBe(404);
      expect((await fetch(`http://127.0.0.1:${http.port}/health`, { method: 'POST' })).status).toBe(405);
    } finally {
      await http.close();
      await agent.stop();
    }
  });
});
