import { X509Certificate } from 'node:crypto';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { main } from '../main.js';
import { initCa, issueCert } from './cluster-ca.js';

const dirs: string[] = [];
const tempDir = async (): Promise<string> => {
  const d = await mkdtemp(join(tmpdir(), 'tandem-certs-'));
  dirs.push(d);
  return d;
};
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

const mode = async (p: string): Promise<number> => (await stat(p)).mode & 0o777;

describe('certs', () => {
  it('certs - init makes a CA (key 0600) and refuses to overwrite it', async () => {
    const dir = await tempDir();
    const files = await initCa(dir);
    expect(files.map((f) => f.path)).toEqual([join(dir, 'ca.crt'), join(dir, 'ca.key')]);
    const ca = new X509Certificate(await readFile(join(dir, 'ca.crt')));
    expect(ca.ca).toBe(true);
    expect(ca.subject).toContain('CN=Tandem cluster CA');
    expect(await mode(join(dir, 'ca.key'))).toBe(0o600);
    await expect(initCa(dir)).rejects.toThrow(/already there/);
  });

  it('certs - an issued master certificate verifies against the CA, names role and name, carries the SANs', async () => {
    const dir = await tempDir();
    await initCa(dir);
    await issueCert({ dir, role: 'master', name: 'm1', hosts: ['m1.example', '10.0.0.7'] });
    const ca = new X509Certificate(await readFile(join(dir, 'ca.crt')));
    const leaf = new X509Certificate(await readFile(join(dir, 'master-m1.crt')));
    expect(leaf.verify(ca.publicKey)).toBe(true);
    expect(leaf.checkIssued(ca)).toBe(true);
    expect(leaf.ca).toBe(false);
    expect(leaf.subject.split('\n').sort()).toEqual(['CN=m1', 'OU=master']);
    expect(leaf.subjectAltName).toBe('DNS:m1.example, IP Address:10.0.0.7');
    expect(leaf.checkHost('m1.example')).toBe('m1.example');
    expect(await mode(join(dir, 'master-m1.key'))).toBe(0o600);
    const days = (Date.parse(leaf.validTo) - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(364);
    expect(days).toBeLessThan(367);
  });

  it('certs - a master defaults to localhost and 127.0.0.1; an agent has no SANs; a CA from elsewhere does not verify it', async () => {
    const dir = await tempDir();
    const other = await tempDir();
    await initCa(dir);
    await initCa(other);
    await issueCert({ dir, role: 'master', name: 'local' });
    await issueCert({ dir, role: 'agent', name: 'a1' });
    const master = new X509Certificate(await readFile(join(dir, 'master-local.crt')));
    expect(master.subjectAltName).toBe('DNS:localhost, IP Address:127.0.0.1');
    const agent = new X509Certificate(await readFile(join(dir, 'agent-a1.crt')));
    expect(agent.subjectAltName).toBeUndefined();
    expect(agent.subject.split('\n').sort()).toEqual(['CN=a1', 'OU=agent']);
    const foreign = new X509Certificate(await readFile(join(other, 'ca.crt')));
    expect(agent.verify(foreign.publicKey)).toBe(false);
  });

  it('certs - bad input names the flag; no CA is a clear error', async () => {
    const dir = await tempDir();
    await expect(issueCert({ dir, role: 'agent', name: 'a1' })).rejects.toThrow(/no cluster CA in .*tandem certs init/);
    await initCa(dir);
    await expect(issueCert({ dir, role: 'agent', name: '../x' })).rejects.toThrow(/--name/);
    await expect(issueCert({ dir, role: 'master', name: 'm', hosts: ['a b'] })).rejects.toThrow(/--host/);
  });

  it('certs - the CLI prints what each file is for', async () => {
    const dir = await tempDir();
    const out: string[] = [];
    const io = { stdout: (s: string | Uint8Array) => void out.push(String(s)), stderr: (s: string | Uint8Array) => void out.push(String(s)) };
    expect(await main(['node', 'tandem', 'certs', 'init', '--dir', dir], { io })).toBe(0);
    expect(await main(['node', 'tandem', 'certs', 'issue', '--dir', dir, '--role', 'operator', '--name', 'alice'], { io })).toBe(0);
    const text = out.join('');
    expect(text).toContain('ca.crt');
    expect(text).toContain('--tls-ca');
    expect(text).toContain('operator-alice.crt');
    expect(text).toContain('CN=alice, OU=operator');
    expect(await main(['node', 'tandem', 'certs', 'issue', '--dir', dir, '--role', 'root', '--name', 'x'], { io })).not.toBe(0);
    expect(out.join('')).toContain('--role');
  });
});
