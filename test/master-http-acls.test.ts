import { join } from 'node:path';
import { Agent, ProcessContainerizer } from '@tandem/agent';
import { basicAuthorization, HttpAuth, parseAcls } from '@tandem/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, startDriver, startMaster, tempDir, track, waitFor } from './support/cluster.js';
import { makePki, request } from './support/pki.js';

// ACLs on the master's HTTP API (issue #11, items 3-4): `view` on /api/v1/state (frameworks,
// tasks and offers of the framework principals it gives), update_weights and update_quotas
// on the roles of a PUT, mark_agent_gone on /api/v1/agents/ID/gone, view of the task's
// framework on its logs. A real TLS master, a framework and an agent with certificates,
// HTTPS requests with Basic credentials.

afterEach(cleanup);

const users = (): HttpAuth =>
  new HttpAuth({
    basic: [
      { user: 'alice', password: 'a-pw' },
      { user: 'ops', password: 'o-pw' },
    ],
  });
const as = (user: string): string => basicAuthorization(`${user}:${user[0]}-pw`);

describe('http acls - master', () => {
  it('http acls - master: state shows only the frameworks view gives; update_weights and mark_agent_gone denied with 403 naming the rule change nothing', async () => {
    const pki = await makePki();
    const acls = parseAcls(
      JSON.stringify({
        permissive: false,
        register_frameworks: [{ principals: { type: 'ANY' }, roles: { type: 'ANY' } }],
        register_agents: [{ principals: { values: ['agent/*'] }, agents: { type: 'ANY' } }],
        view: [
          { principals: { values: ['alice'] }, framework_principals: { values: ['framework/other'] } },
          { principals: { values: ['ops'] }, framework_principals: { type: 'ANY' } },
        ],
        update_weights: [{ principals: { values: ['alice'] }, roles: { values: ['team-a', 'team-a/*'] } }],
        mark_agent_gone: [{ principals: { values: ['ops'] }, agents: { type: 'ANY' } }],
      }),
      'master acls',
    );
    const master = await startMaster({ tls: await pki.tls('master', 'm1'), httpAuth: users(), acls });
    await startDriver(master, { tls: await pki.tls('framework', 'f1') });
    const agent = new Agent({
      master: master.address,
      workDir: join(tempDir(), 'agent'),
      resources: 'cpus:2;mem:1024;disk:1024;ports:[31000-31010]',
      containerizers: [new ProcessContainerizer()],
      reconnectBackoff: { initialMs: 100, maxMs: 300 },
      tls: await pki.tls('agent', 'a1'),
    });
    track(() => agent.stop({ killTasks: true }));
    await agent.start();
    await waitFor(() => agent.agentId && master.frameworks.size === 1, 'the agent registered and the framework subscribed');
    const base = `https://127.0.0.1:${master.httpPort}`;
    const call = (user: string, method: string, path: string, body?: unknown) =>
      request(base, method, path, { tls: { ca: pki.ca }, authorization: as(user), ...(body !== undefined ? { body } : {}) });

    // view: alice's rule names another framework principal; ops sees all.
    const mine = await call('alice', 'GET', '/api/v1/state');
    expect(mine.status).toBe(200);
    expect(mine.body.frameworks).toEqual([]);
    expect(mine.body.agents).toHaveLength(1);
    expect((await call('ops', 'GET', '/api/v1/state')).body.frameworks).toHaveLength(1);

    // update_weights: alice may weigh team-a, not team-b; a batch with both changes nothing.
    const denied = await call('alice', 'PUT', '/api/v1/weights', {
      weights: [
        { role: 'team-a', weight: 2 },
        { role: 'team-b', weight: 5 },
      ],
    });
    expect(denied.status).toBe(403);
    expect(denied.body.message).toMatch(/may not update_weights on roles "team-b".*permissive/);
    expect(denied.body.field).toBe('weights[1].role');
    expect((await call('ops', 'GET', '/api/v1/weights')).body.weights).toEqual([]);
    expect((await call('alice', 'PUT', '/api/v1/weights', { weights: [{ role: 'team-a', weight: 2 }] })).status).toBe(200);

    // mark_agent_gone: only ops; alice's 403 leaves the agent registered.
    const gone = await call('alice', 'POST', `/api/v1/agents/${agent.agentId}/gone`);
    expect(gone.status).toBe(403);
    expect(gone.body.message).toMatch(/mark_agent_gone/);
    expect((await call('ops', 'GET', '/api/v1/state')).body.agents.map((a: { status: string }) => a.status)).toEqual(['ACTIVE']);
    expect((await call('ops', 'POST', `/api/v1/agents/${agent.agentId}/gone`)).status).toBe(200);
  });
});
