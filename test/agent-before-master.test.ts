import { createServer } from 'node:net';
import { join } from 'node:path';
import { Agent, ProcessContainerizer } from '@tandem/agent';
import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, startMaster, tempDir, track, waitFor } from './support/cluster.js';

// An agent may start before its master (a machine booting first, or the master being
// restarted): it keeps waiting for the master's channel and registers once it answers.

afterEach(cleanup);

/** A port nothing listens on (taken from the kernel, then let go). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('agent before master', () => {
  it('agent before master - an agent started with no master registers once the master comes up', async () => {
    const port = await freePort();
    const agent = new Agent({
      master: `127.0.0.1:${port}`,
      workDir: join(tempDir(), 'agent'),
      hostname: 'early-host',
      resources: 'cpus:1;mem:512;disk:512;ports:[31000-31010]',
      containerizers: [new ProcessContainerizer()],
      reconnectBackoff: { initialMs: 100, maxMs: 500 },
      registerTimeoutMs: 1_000,
    });
    track(() => agent.stop({ killTasks: true }));
    // start() resolves after the first attempt fails: nothing listens yet.
    await agent.start();
    expect(agent.agentId).toBeUndefined();

    const master = await startMaster({ port });
    const registered = await waitFor(() => master.state().agents?.find((a) => a.info?.hostname === 'early-host'), 'the early agent registered');
    expect(registered.status).toBe('AGENT_ACTIVE');
    await waitFor(() => agent.agentId, 'the agent learning its id');
    expect(agent.agentId).toBe(registered.info?.id);
  });
});
