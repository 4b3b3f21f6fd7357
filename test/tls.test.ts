import { join } from 'node:path';
import { Agent, ProcessContainerizer } from '@tandem/agent';
import { main } from '@tandem/cli';
import { SchedulerDriver } from '@tandem/framework-sdk';
import type { Master } from '@tandem/master';
import { readTlsFiles, type TlsFiles } from '@tandem/protocol';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { initCa, issueCert } from '../packages/cli/src/certs/cluster-ca.js';
import { cleanup, spawnTandem, startMaster, tempDir, track, waitFor } from './support/cluster.js';

let dir: string;
/** Another cluster's CA and an agent certificate from it. */
let otherDir: string;
const files = (role: string, name: string): { cert: string; key: string; ca: string } => ({
  cert: join(dir, `${role}-${name}.crt`),
  key: join(dir, `${role}-${name}.key`),
  ca: join(dir, 'ca.crt'),
});
const tls = (role: string, name: string): TlsFiles => readTlsFiles(files(role, name));

const registeredHosts = (master: Master): string[] => (master.state().agents ?? []).map((a) => a.info?.hostname ?? '').filter(Boolean);

function startAgent(master: Master, hostname: string, agentTls?: TlsFiles): Agent {
  const agent = new Agent({
    master: master.address,
    workDir: join(tempDir(), 'agent'),
    hostname,
    resources: 'cpus:2;mem:1024;disk:1024;ports:[31000-31010]',
    containerizers: [new ProcessContainerizer()],
    reconnectBackoff: { initialMs: 100, maxMs: 300 },
    registerTimeoutMs: 2_000,
    ...(agentTls ? { tls: agentTls } : {}),
  });
  track(() => agent.stop({ killTasks: true }));
  return agent;
}

async function tandem(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const io = { stdout: (s: string | Uint8Array) => void out.push(String(s)), stderr: (s: string | Uint8Array) => void err.push(String(s)) };
  const code = await main(['node', 'tandem', ...args], { io });
  return { code, out: out.join(''), err: err.join('') };
}

const tlsArgs = (role: string, name: string): string[] => {
  const f = files(role, name);
  return ['--tls-cert', f.cert, '--tls-key', f.key, '--tls-ca', f.ca];
};

beforeAll(async () => {
  dir = tempDir('tandem-tls-');
  await initCa(dir);
  await issueCert({ dir, role: 'master', name: 'm1' });
  await issueCert({ dir, role: 'agent', name: 'a1' });
  await issueCert({ dir, role: 'framework', name: 'f1' });
  await issueCert({ dir, role: 'operator', name: 'alice' });
  otherDir = tempDir('tandem-tls-other-');
  await initCa(otherDir);
  await issueCert({ dir: otherDir, role: 'agent', name: 'a1' });
});
afterEach(cleanup);
afterAll(cleanup);

describe('tls', () => {
  it('tls - an agent without a certificate, or with one from another CA, cannot register with a TLS master; one with an agent certificate does', async () => {
    const master = await startMaster({ tls: tls('master', 'm1') });
    const plain = startAgent(master, 'no-cert');
    await plain.start();
    const foreign = readTlsFiles({ cert: join(otherDir, 'agent-a1.crt'), key: join(otherDir, 'agent-a1.key'), ca: join(dir, 'ca.crt') });
    const otherCa = startAgent(master, 'other-ca', foreign);
    await otherCa.start();
    const withCert = startAgent(master, 'with-cert', tls('agent', 'a1'));
    await withCert.start();
    await waitFor(() => registeredHosts(master).includes('with-cert'), 'the agent with a certificate registered');
    expect(registeredHosts(master)).toEqual(['with-cert']);
  });

  it('tls - a framework with its certificate subscribes to a TLS master', async () => {
    const master = await startMaster({ tls: tls('master', 'm1') });
    const driver = new SchedulerDriver({ master: master.address, framework: { name: 'tls-fw' }, tls: tls('framework', 'f1') });
    track(() => driver.stop());
    const subscribed = await driver.start();
    expect(master.state().frameworks?.map((f) => f.info?.id)).toContain(subscribed.frameworkId);
  });

  it('tls - tandem state with operator certificates works; without them it fails saying TLS is the likely cause', async () => {
    const master = await startMaster({ tls: tls('master', 'm1') });
    const ok = await tandem(['state', '--master', master.address, ...tlsArgs('operator', 'alice')]);
    expect(ok.err).toBe('');
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.out)).toHaveProperty('agents');
    const plain = await tandem(['state', '--master', master.address]);
    expect(plain.code).toBe(1);
    expect(plain.err).toContain(`could not connect to ${master.address} without TLS`);
  });

  it('tls - a TLS client against a plaintext master fails saying so, and does not fall back', async () => {
    const master = await startMaster();
    const res = await tandem(['state', '--master', master.address, ...tlsArgs('operator', 'alice')]);
    expect(res.code).toBe(1);
    expect(res.err).toContain(`could not connect to ${master.address} over TLS`);
    const agent = startAgent(master, 'tls-agent', tls('agent', 'a1'));
    await agent.start();
    expect(registeredHosts(master)).toEqual([]);
    const lines: string[] = [];
    const logger = pino({ level: 'warn' }, { write: (line: string) => void lines.push(line) });
    const driver = new SchedulerDriver({
      master: master.address,
      framework: { name: 'tls-fw' },
      tls: tls('framework', 'f1'),
      logger,
      reconnect: { initialMs: 50, maxMs: 100 },
    });
    track(() => driver.stop());
    void driver.start().catch(() => undefined);
    await waitFor(() => lines.some((l) => l.includes(`could not connect to ${master.address} over TLS`)), 'the driver saying TLS is the likely cause');
    expect(master.state().frameworks ?? []).toEqual([]);
  });

  it('tls - the flags go together: a missing one is named', async () => {
    const f = files('operator', 'alice');
    const res = await tandem(['state', '--master', '127.0.0.1:1', '--tls-cert', f.cert, '--tls-ca', f.ca]);
    expect(res.code).toBe(1);
    expect(res.err).toContain('--tls-key (TANDEM_TLS_KEY)');
  });

  it('tls - tandem master --tls-* serves only TLS: tandem agents and weights with operator certificates answer, without them they fail', async () => {
    const p = spawnTandem([
      'master',
      '--host',
      '127.0.0.1',
      '--port',
      '0',
      '--http-port',
      '-1',
      '--work-dir',
      join(tempDir(), 'm'),
      ...tlsArgs('master', 'm1'),
    ]);
    const m = await waitFor(() => /gRPC (127\.0\.0\.1:\d+) .*mutual TLS only/.exec(p.output()), 'the TLS master to listen');
    const address = m[1] as string;
    const agents = await tandem(['agents', '--json', '--master', address, ...tlsArgs('operator', 'alice')]);
    expect(agents.err).toBe('');
    expect(JSON.parse(agents.out)).toEqual({ agents: [] });
    const weights = await tandem(['weights', 'set', '--master', address, ...tlsArgs('operator', 'alice'), 'eng=2']);
    expect(weights.code).toBe(0);
    const plain = await tandem(['weights', '--master', address]);
    expect(plain.code).toBe(1);
    expect(plain.err).toContain('without TLS');
  });

  it('tls - tandem jobs serve --tls-* subscribes its framework to a TLS master', async () => {
    const master = await startMaster({ tls: tls('master', 'm1') });
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
      join(tempDir(), 'jobs'),
      ...tlsArgs('framework', 'f1'),
    ]);
    await waitFor(() => master.state().frameworks?.some((f) => f.info?.name === 'tandem-jobs'), 'the jobs framework subscribed over TLS');
  });

  it('tls - a master that is not there is not blamed on TLS', async () => {
    const master = await startMaster();
    const address = master.address;
    await master.stop();
    const res = await tandem(['state', '--master', address, ...tlsArgs('operator', 'alice')]);
    expect(res.code).toBe(1);
    expect(res.err).not.toContain('over TLS');
  });
});
