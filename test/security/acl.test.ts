import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Agent, DockerContainerizer, ProcessContainerizer } from '@tandem/agent';
import { main } from '@tandem/cli';
import { SchedulerDriver, taskInfo } from '@tandem/framework-sdk';
import type { Master } from '@tandem/master';
import {
  type ClientOptions,
  type Event,
  type GrpcCredential,
  operatorClient,
  parseAcls,
  type SchedulerCallInit,
  type SchedulerClient,
  schedulerClient,
  TandemError,
  type TlsFiles,
} from '@tandem/protocol';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { cleanup, recorder, spawnTandem, startMaster, tempDir, track, waitFor } from '../support/cluster.js';
import { makePki, type Pki } from '../support/pki.js';

// Principals and ACLs on the master's gRPC APIs (issue #11, items 2 and 3), over real
// mutual TLS with certificates from a cluster CA: who may register agents and frameworks,
// which roles, and that one framework can do nothing to another's tasks or id.

const ACLS_YAML = `
permissive: false
register_agents:
  - principals: { values: ["agent/*"] }
    agents: { type: ANY }
register_frameworks:
  - principals: { values: ["framework/a"] }
    roles: { values: ["team-a"] }
  - principals: { values: ["framework/b"] }
    roles: { values: ["team-b"] }
run_tasks:
  - principals: { type: ANY }
    users: { type: ANY }
kill_tasks:
  - principals: { type: ANY }
    framework_principals: { values: ["$self"] }
teardown_frameworks:
  - principals: { type: ANY }
    framework_principals: { values: ["$self"] }
view:
  - principals: { values: ["operator/*"] }
    framework_principals: { type: ANY }
  - principals: { type: ANY }
    framework_principals: { values: ["$self"] }
update_weights:
  - principals: { values: ["operator/alice"] }
    roles: { type: ANY }
`;

let pki: Pki;
let aclFile: string;

/** A master's log lines (JSON), to read its ACL decisions. */
function capturedLogger(): { logger: pino.Logger; lines: () => Record<string, unknown>[] } {
  const lines: string[] = [];
  const logger = pino({ level: 'debug' }, { write: (line: string) => void lines.push(line) });
  return { logger, lines: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>) };
}

function startTlsAgent(master: Master, hostname: string, tls?: TlsFiles): Agent {
  const agent = new Agent({
    master: master.address,
    workDir: join(tempDir(), 'agent'),
    hostname,
    resources: 'cpus:2;mem:1024;disk:1024;ports:[31000-31010]',
    containerizers: [new ProcessContainerizer()],
    reconnectBackoff: { initialMs: 100, maxMs: 300 },
    registerTimeoutMs: 2_000,
    ...(tls ? { tls } : {}),
  });
  track(() => agent.stop({ killTasks: true }));
  return agent;
}

const registeredHosts = (master: Master): string[] => (master.state().agents ?? []).map((a) => a.info?.hostname ?? '').filter(Boolean);

/** A raw Scheduler client (no SDK: a test may send what a well-behaved driver never would). */
function rawScheduler(master: Master, options: ClientOptions): SchedulerClient {
  const client = schedulerClient(master.address, options);
  track(() => client.close());
  return client;
}

/** Opens a subscription; resolves with the first event (`subscribed`) or rejects with the stream's error. */
function subscribeRaw(client: SchedulerClient, info: { name: string; roles: string[]; id?: string; principal?: string }): Promise<Event> {
  return new Promise((resolve, reject) => {
    const stream = client.Subscribe({ frameworkInfo: { failoverTimeoutSeconds: 60, ...info } });
    track(() => stream.cancel());
    stream.once('data', (e: Event) => resolve(e));
    stream.once('error', (err: Error) => reject(TandemError.from(err)));
  });
}

function callRaw(client: SchedulerClient, call: SchedulerCallInit): Promise<unknown> {
  return new Promise((resolve, reject) => {
    client.Call(call, (err, res) => (err ? reject(TandemError.from(err)) : resolve(res)));
  });
}

async function refusal(p: Promise<unknown>): Promise<TandemError> {
  try {
    await p;
  } catch (err) {
    return TandemError.from(err);
  }
  throw new Error('the call succeeded');
}

async function tandem(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const io = { stdout: (s: string | Uint8Array) => void out.push(String(s)), stderr: (s: string | Uint8Array) => void err.push(String(s)) };
  const code = await main(['node', 'tandem', ...args], { io });
  return { code, out: out.join(''), err: err.join('') };
}

beforeAll(async () => {
  pki = await makePki('tandem-acl-');
  await Promise.all([pki.tls('master', 'm1'), pki.tls('agent', 'a1'), pki.tls('framework', 'a'), pki.tls('framework', 'b'), pki.tls('operator', 'alice')]);
  aclFile = join(pki.dir, 'acls.yaml');
  writeFileSync(aclFile, ACLS_YAML);
});
afterEach(cleanup);
afterAll(cleanup);

describe('acl', () => {
  it('acl - with TLS and ACLs: an agent without a certificate cannot connect (the TLS handshake refuses it), a framework certificate cannot register an agent (logged with the principal), an agent certificate can', async () => {
    const log = capturedLogger();
    const master = await startMaster({ tls: await pki.tls('master', 'm1'), acls: parseAcls(ACLS_YAML, aclFile), logger: log.logger });
    await startTlsAgent(master, 'no-cert').start();
    await startTlsAgent(master, 'framework-cert', await pki.tls('framework', 'a')).start();
    await startTlsAgent(master, 'agent-cert', await pki.tls('agent', 'a1')).start();
    await waitFor(() => registeredHosts(master).includes('agent-cert'), 'the agent with an agent certificate registered');
    const denied = await waitFor(
      () => log.lines().find((l) => l.msg === 'ACL denied' && l.action === 'register_agents' && l.principal === 'framework/a'),
      'the register_agents denial logged',
    );
    expect(denied).toMatchObject({ object: 'framework-cert', allowed: false, rule: 'permissive' });
    expect(
      log.lines().some((l) => l.msg === 'ACL allowed' && l.action === 'register_agents' && l.principal === 'agent/a1' && l.rule === 'register_agents[0]'),
    ).toBe(true);
    expect(registeredHosts(master)).toEqual(['agent-cert']);
  });

  it('acl - a framework cannot subscribe to a role its principal is not given, nor claim another principal', async () => {
    const master = await startMaster({ tls: await pki.tls('master', 'm1'), acls: parseAcls(ACLS_YAML, aclFile) });
    const b = rawScheduler(master, { tls: await pki.tls('framework', 'b') });
    const wrongRole = await refusal(subscribeRaw(b, { name: 'b', roles: ['team-a'] }));
    expect(wrongRole.code).toBe('PERMISSION_DENIED');
    expect(wrongRole.message).toContain('principal "framework/b" may not register_frameworks on roles "team-a"');
    expect(wrongRole.message).toContain('(ACL permissive)');
    const claims = await refusal(subscribeRaw(b, { name: 'b', roles: ['team-b'], principal: 'framework/a' }));
    expect(claims.code).toBe('PERMISSION_DENIED');
    expect(claims.message).toMatch(/framework_info\.principal "framework\/a" is not the principal this subscription authenticated as \("framework\/b"\)/);
    expect(master.state().frameworks ?? []).toEqual([]);
    const ok = await subscribeRaw(b, { name: 'b', roles: ['team-b'] });
    expect(ok.subscribed?.frameworkId).toBeTruthy();
    expect(master.state().frameworks?.map((f) => f.info?.principal)).toEqual(['framework/b']);
  });

  it("acl - framework B cannot kill, acknowledge, reconcile, tear down or take over framework A's tasks and id, nor read its logs; A's task runs on", async () => {
    const master = await startMaster({ tls: await pki.tls('master', 'm1'), acls: parseAcls(ACLS_YAML, aclFile) });
    await startTlsAgent(master, 'host-1', await pki.tls('agent', 'a1')).start();
    const a = new SchedulerDriver({
      master: master.address,
      framework: { name: 'a', roles: ['team-a'], failoverTimeoutSeconds: 60 },
      tls: await pki.tls('framework', 'a'),
      reconnect: { initialMs: 100, maxMs: 500 },
    });
    track(() => a.stop());
    const rec = recorder(a);
    const { frameworkId: aId } = await a.start();
    const offer = await waitFor(() => rec.offers[0], 'an offer to A');
    await a.launch(offer, [taskInfo({ id: 'a-task', cpus: 0.1, mem: 16, argv: ['sh', '-c', 'echo secret-of-a; exec sleep 300'] }, offer)]);
    await waitFor(() => rec.states('a-task').includes('TASK_RUNNING'), "A's task running", 30_000);
    const aStream = master.frameworks.get(aId)?.streamId ?? '';
    expect(aStream).not.toBe('');

    const b = rawScheduler(master, { tls: await pki.tls('framework', 'b') });
    await subscribeRaw(b, { name: 'b', roles: ['team-b'] });
    // Even knowing A's framework id and stream id, B's calls are refused for its principal.
    const asA = { frameworkId: aId, streamId: aStream };
    const calls: SchedulerCallInit[] = [
      { ...asA, kill: { tasks: [{ taskId: 'a-task', agentId: '' }] } },
      { ...asA, acknowledge: { acks: [{ taskId: 'a-task', agentId: offer.agentId, uuid: 'x' }] } },
      { ...asA, reconcile: { tasks: [] } },
      { ...asA, teardown: {} },
    ];
    for (const call of calls) {
      const err = await refusal(callRaw(b, call));
      expect(err.code).toBe('PERMISSION_DENIED');
      expect(err.message).toBe(`framework ${aId} belongs to principal "framework/a"; principal "framework/b" may not call for it`);
    }
    const takeover = await refusal(subscribeRaw(b, { name: 'b', roles: ['team-a'], id: aId }));
    expect(takeover.code).toBe('PERMISSION_DENIED');
    expect(takeover.message).toContain(`framework ${aId} belongs to principal "framework/a"`);

    // view: B neither reads A's log nor sees A's task; an operator does both.
    const asB = operatorClient(master.address, { tls: await pki.tls('framework', 'b') });
    const asAlice = operatorClient(master.address, { tls: await pki.tls('operator', 'alice') });
    track(() => asB.close());
    track(() => asAlice.close());
    const readLog = (client: typeof asB) =>
      new Promise<Buffer>((resolve, reject) =>
        client.ReadTaskLog({ taskId: 'a-task', name: 'stdout', offset: 0, length: 1024 }, (err, res) =>
          err ? reject(TandemError.from(err)) : resolve(Buffer.from(res?.data ?? [])),
        ),
      );
    const logDenied = await refusal(readLog(asB));
    expect(logDenied.code).toBe('PERMISSION_DENIED');
    expect(logDenied.message).toContain('principal "framework/b" may not view on framework_principals "framework/a"');
    expect(await waitFor(async () => (await readLog(asAlice)).toString().includes('secret-of-a'), "A's log read by the operator")).toBe(true);
    const stateOf = (client: typeof asB) =>
      new Promise<string[]>((resolve, reject) =>
        client.GetState({}, (err, res) => (err ? reject(TandemError.from(err)) : resolve((res?.tasks ?? []).map((t) => t.info?.taskId ?? '')))),
      );
    expect(await stateOf(asB)).toEqual([]);
    expect(await stateOf(asAlice)).toEqual(['a-task']);
    const watchFirst = (client: typeof asB) =>
      new Promise<string[]>((resolve, reject) => {
        const stream = client.Watch({});
        track(() => stream.cancel());
        stream.once('data', (e: { subscribed?: { tasks?: { info?: { taskId?: string } }[] } }) =>
          resolve((e.subscribed?.tasks ?? []).map((t) => t.info?.taskId ?? '')),
        );
        stream.once('error', (err: Error) => reject(TandemError.from(err)));
      });
    expect(await watchFirst(asB)).toEqual([]);
    expect(await watchFirst(asAlice)).toEqual(['a-task']);

    // Nothing B tried changed anything: A is subscribed, its task runs.
    expect(master.state().tasks?.map((t) => [t.info?.taskId, t.state])).toEqual([['a-task', 'TASK_RUNNING']]);
    expect(master.state().frameworks?.find((f) => f.info?.id === aId)?.connected).toBe(true);
    expect(rec.states('a-task')).toEqual(['TASK_STARTING', 'TASK_RUNNING']);
    // A itself may kill its task ($self).
    await a.kill('a-task');
    await waitFor(() => rec.states('a-task').includes('TASK_KILLED'), "A's own kill", 20_000);
  });

  it('acl - update_weights: the operator named in the ACLs may, a framework may not (PERMISSION_DENIED naming the rule)', async () => {
    const master = await startMaster({ tls: await pki.tls('master', 'm1'), acls: parseAcls(ACLS_YAML, aclFile) });
    const set = async (tls: TlsFiles) => {
      const client = operatorClient(master.address, { tls });
      track(() => client.close());
      return new Promise((resolve, reject) =>
        client.UpdateWeights({ weights: [{ role: 'team-a', weight: 3 }] }, (err, res) => (err ? reject(TandemError.from(err)) : resolve(res))),
      );
    };
    const denied = await refusal(set(await pki.tls('framework', 'b')));
    expect(denied.code).toBe('PERMISSION_DENIED');
    expect(denied.message).toContain('principal "framework/b" may not update_weights on roles "team-a"');
    expect(master.roleConfig.listWeights()).toEqual([]);
    await set(await pki.tls('operator', 'alice'));
    expect(master.roleConfig.listWeights()).toEqual([{ role: 'team-a', weight: 3 }]);
  });
});

describe('acl - credentials without TLS', () => {
  const cred = (principal: string, secret: string): GrpcCredential => ({ principal, secret });
  const credentials = [
    { user: 'framework/c', password: 'c-secret' },
    { user: 'framework/d', password: 'd-secret' },
    { user: 'agent/x', password: 'x-secret' },
    { user: 'agent/y', password: 'y-secret' },
  ];

  it('acl - a wrong or missing credential is UNAUTHENTICATED; a framework is bound to its principal, and stays bound after a master restart', async () => {
    const workDir = join(tempDir(), 'master');
    let master = await startMaster({ workDir, credentials });
    const none = await refusal(subscribeRaw(rawScheduler(master, {}), { name: 'c', roles: ['*'] }));
    expect(none.code).toBe('UNAUTHENTICATED');
    expect(none.message).toMatch(/authentication required/);
    const wrong = await refusal(subscribeRaw(rawScheduler(master, { credential: cred('framework/c', 'guess') }), { name: 'c', roles: ['*'] }));
    expect(wrong.code).toBe('UNAUTHENTICATED');
    expect(wrong.message).toMatch(/invalid credential/);
    const ok = await subscribeRaw(rawScheduler(master, { credential: cred('framework/c', 'c-secret') }), { name: 'c', roles: ['*'] });
    const id = ok.subscribed?.frameworkId ?? '';
    expect(master.state().frameworks?.map((f) => [f.info?.id, f.info?.principal])).toEqual([[id, 'framework/c']]);

    await master.stop();
    master = await startMaster({ workDir, credentials, port: 0 });
    expect(master.frameworks.get(id)?.principal).toBe('framework/c');
    const hijack = await refusal(subscribeRaw(rawScheduler(master, { credential: cred('framework/d', 'd-secret') }), { name: 'c', roles: ['*'], id }));
    expect(hijack.code).toBe('PERMISSION_DENIED');
    expect(hijack.message).toContain(`framework ${id} belongs to principal "framework/c"; principal "framework/d" may not subscribe as it`);
    const back = await subscribeRaw(rawScheduler(master, { credential: cred('framework/c', 'c-secret') }), { name: 'c', roles: ['*'], id });
    expect(back.subscribed?.frameworkId).toBe(id);
  });

  it('acl - an agent id is bound to the principal that registered it: another principal cannot register as it', async () => {
    const master = await startMaster({ credentials });
    const agentX = new Agent({
      master: master.address,
      workDir: join(tempDir(), 'agent'),
      hostname: 'host-x',
      resources: 'cpus:1;mem:256;disk:256',
      containerizers: [new ProcessContainerizer()],
      reconnectBackoff: { initialMs: 100, maxMs: 300 },
      credential: cred('agent/x', 'x-secret'),
    });
    track(() => agentX.stop({ killTasks: true }));
    await agentX.start();
    const agentId = await waitFor(() => agentX.agentId, 'agent x registered');
    // agent/y dials with x's id (as a stolen checkpoint would make it do).
    const { agentClient } = await import('@tandem/protocol');
    const client = agentClient(master.address, { credential: cred('agent/y', 'y-secret') });
    track(() => client.close());
    const stream = client.Connect();
    track(() => stream.cancel());
    const refused = new Promise<TandemError>((resolve) => stream.once('error', (err: Error) => resolve(TandemError.from(err))));
    stream.write({ register: { agentInfo: { id: agentId, hostname: 'host-x', resources: [{ name: 'cpus', scalar: 1 }] }, tasks: [] } });
    const err = await refused;
    expect(err.code).toBe('PERMISSION_DENIED');
    expect(err.message).toContain(`agent ${agentId} belongs to principal "agent/x"; principal "agent/y" may not register as it`);
    expect(master.state().agents?.map((a) => [a.info?.id, a.status])).toEqual([[agentId, 'AGENT_ACTIVE']]);
  });
});

describe('acl - launches', () => {
  it('acl - run_tasks and run_images are checked at launch: a denied task is TASK_ERROR / REASON_TASK_UNAUTHORIZED naming the rule; an allowed one runs', async () => {
    const acls = parseAcls(
      JSON.stringify({
        run_tasks: [
          { principals: { values: ['framework/c'] }, users: { values: ['nobody'] } },
          { principals: { type: 'ANY' }, users: { type: 'NONE' } },
        ],
        run_images: [
          { principals: { type: 'ANY' }, images: { values: ['busybox:*'] } },
          { principals: { type: 'ANY' }, images: { type: 'NONE' } },
        ],
      }),
      'acls.json',
    );
    const credential = { principal: 'framework/c', secret: 'c-secret' };
    const master = await startMaster({
      acls,
      credentials: [
        { user: 'framework/c', password: 'c-secret' },
        { user: 'agent/x', password: 'x-secret' },
      ],
    });
    const agent = new Agent({
      master: master.address,
      workDir: join(tempDir(), 'agent'),
      hostname: 'host-x',
      resources: 'cpus:2;mem:1024;disk:1024',
      containerizers: [new ProcessContainerizer(), new DockerContainerizer()],
      reconnectBackoff: { initialMs: 100, maxMs: 300 },
      credential: { principal: 'agent/x', secret: 'x-secret' },
    });
    track(() => agent.stop({ killTasks: true }));
    await agent.start();
    const driver = new SchedulerDriver({ master: master.address, framework: { name: 'c', failoverTimeoutSeconds: 60 }, credential });
    track(() => driver.stop());
    const rec = recorder(driver);
    await driver.start();
    const offer = await waitFor(() => rec.offers[0], 'an offer');
    await driver.launch(offer, [
      taskInfo({ id: 'as-root', cpus: 0.1, mem: 16, argv: ['true'], user: 'root' }, offer),
      taskInfo({ id: 'other-image', cpus: 0.1, mem: 16, image: 'nginx:1', argv: [], user: 'nobody' }, offer),
      taskInfo({ id: 'as-nobody', cpus: 0.1, mem: 16, argv: ['sleep', '300'], user: 'nobody' }, offer),
    ]);
    await waitFor(() => rec.states('as-nobody').includes('TASK_RUNNING'), 'the allowed task running', 30_000);
    const root = rec.updates.find((u) => u.taskId === 'as-root');
    expect(root).toMatchObject({ state: 'TASK_ERROR', reason: 'REASON_TASK_UNAUTHORIZED' });
    expect(root?.message).toContain('principal "framework/c" may not run_tasks on users "root": rule run_tasks[1] gives it users NONE (ACL run_tasks[1])');
    const image = rec.updates.find((u) => u.taskId === 'other-image');
    expect(image).toMatchObject({ state: 'TASK_ERROR', reason: 'REASON_TASK_UNAUTHORIZED' });
    expect(image?.message).toContain('container.docker.image: principal "framework/c" may not run_images on images "nginx:1"');
    expect(master.state().tasks?.map((t) => t.info?.taskId)).toEqual(['as-nobody']);
  });
});

describe('acl - the CLI', () => {
  it('acl - tandem jobs serve, tandem agent and tandem state authenticate with --credential; without it the master says UNAUTHENTICATED', async () => {
    const dir = tempDir();
    const file = (name: string, text: string): string => {
      const path = join(dir, name);
      writeFileSync(path, text);
      return path;
    };
    const master = await startMaster({
      credentials: [
        { user: 'framework/jobs', password: 'j-secret' },
        { user: 'agent/cli', password: 'a-secret' },
        { user: 'operator/ops', password: 'o-secret' },
      ],
    });
    spawnTandem([
      'jobs',
      'serve',
      '--master',
      master.address,
      '--host',
      '127.0.0.1',
      '--port',
      '0',
      '--work-dir',
      join(dir, 'jobs'),
      '--credential',
      file('jobs.cred', 'framework/jobs j-secret\n'),
    ]);
    spawnTandem([
      'agent',
      '--master',
      master.address,
      '--work-dir',
      join(dir, 'agent'),
      '--hostname',
      'cli-host',
      '--port',
      '0',
      '--containerizers',
      'process',
      '--resources',
      'cpus:1;mem:256;disk:256',
      '--credential',
      file('agent.json', JSON.stringify({ credentials: [{ principal: 'agent/cli', secret: 'a-secret' }] })),
    ]);
    await waitFor(
      () => master.state().frameworks?.find((f) => f.info?.name === 'tandem-jobs')?.info?.principal === 'framework/jobs',
      'the jobs framework subscribed as framework/jobs',
      30_000,
    );
    await waitFor(() => registeredHosts(master).includes('cli-host'), 'the agent registered', 30_000);
    const ok = await tandem(['state', '--master', master.address, '--credential', file('ops.cred', 'operator/ops:o-secret\n')]);
    expect(ok.err).toBe('');
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.out).frameworks.map((f: { info: { principal: string } }) => f.info.principal)).toEqual(['framework/jobs']);
    const none = await tandem(['state', '--master', master.address]);
    expect(none.code).toBe(1);
    expect(none.err).toMatch(/authentication required/);
  });

  it('acl - tandem master stops at start on a bad --acls or --credentials file, naming the flag, the file and the field', async () => {
    const dir = tempDir();
    const acls = join(dir, 'acls.yaml');
    writeFileSync(acls, 'register_agents:\n  - principals: { values: ["agent/*"] }\n    roles: { type: ANY }\n');
    const bad = await tandem(['master', '--port', '0', '--http-port', '-1', '--work-dir', join(dir, 'm'), '--acls', acls]);
    expect(bad.code).toBe(1);
    expect(bad.err).toContain(`--acls ${acls}: register_agents[0].roles: unknown field "roles" (allowed here: principals, agents)`);
    const creds = join(dir, 'creds');
    writeFileSync(creds, 'agent/a1 s1\nbroken\n');
    const badCreds = await tandem(['master', '--port', '0', '--http-port', '-1', '--work-dir', join(dir, 'm'), '--credentials', creds]);
    expect(badCreds.code).toBe(1);
    expect(badCreds.err).toContain(`--credentials (TANDEM_CREDENTIALS) ${creds} line 2: expected "principal secret" or "principal:secret"`);
  });
});

describe('acl - tandem acl check', () => {
  it('acl - tandem acl check prints the decision and its rule; exit 0 allowed, 1 denied, 2 bad input', async () => {
    const allowed = await tandem(['acl', 'check', '--acls', aclFile, 'framework/a', 'register_frameworks', 'team-a']);
    expect(allowed).toMatchObject({ code: 0, err: '' });
    expect(allowed.out).toBe(
      'ALLOWED by register_frameworks[0]: principal "framework/a" may register_frameworks on roles "team-a": rule register_frameworks[0] gives it roles ["team-a"]\n',
    );
    const denied = await tandem(['acl', 'check', '--acls', aclFile, 'framework/b', 'register_frameworks', 'team-a']);
    expect(denied.code).toBe(1);
    expect(denied.out).toMatch(/^DENIED by permissive: .*deny by default/);
    const anonymous = await tandem(['acl', 'check', '--acls', aclFile, '--json', '-', 'run_tasks', 'nobody']);
    expect(anonymous.code).toBe(0);
    expect(JSON.parse(anonymous.out)).toMatchObject({ allowed: true, rule: 'run_tasks[0]' });
    const badAction = await tandem(['acl', 'check', '--acls', aclFile, 'framework/a', 'launch', 'x']);
    expect(badAction.code).toBe(2);
    expect(badAction.err).toMatch(/ACTION: unknown action "launch" \(one of register_frameworks,/);
    const badFile = join(tempDir(), 'bad.json');
    writeFileSync(badFile, JSON.stringify({ view: [{ principals: { type: 'ALL' }, framework_principals: { type: 'ANY' } }] }));
    const bad = await tandem(['acl', 'check', '--acls', badFile, 'x', 'view', 'y']);
    expect(bad.code).toBe(2);
    expect(bad.err).toContain(`--acls ${badFile}: view[0].principals.type: type must be "ANY" or "NONE"`);
  });
});
