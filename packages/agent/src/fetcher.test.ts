import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { addressRefusal } from './fetch-addresses.js';
import { Fetcher } from './fetcher.js';

const uri = (value: string, more: { executable?: boolean; extract?: boolean; cache?: boolean; outputFile?: string } = {}) => ({
  value,
  executable: more.executable ?? false,
  extract: more.extract ?? false,
  cache: more.cache ?? false,
  outputFile: more.outputFile ?? '',
});

async function dirs() {
  const root = await mkdtemp(join(tmpdir(), 'tandem-fetcher-'));
  const allowed = join(root, 'allowed');
  const sandbox = join(root, 'sandbox');
  mkdirSync(allowed);
  mkdirSync(sandbox);
  return { root, allowed, sandbox, fetcher: new Fetcher({ allowDirs: [allowed], cacheDir: join(root, 'cache') }) };
}

describe('fetcher', () => {
  it('fetcher - file URIs are refused without an allowed directory, outside it, and through a symbolic link leading out', async () => {
    const { root, allowed, sandbox, fetcher } = await dirs();
    writeFileSync(join(root, 'secret'), 'no');
    symlinkSync(join(root, 'secret'), join(allowed, 'link'));
    const none = new Fetcher({ cacheDir: join(root, 'c2') });
    await expect(none.fetchAll([uri(join(allowed, 'x'))], sandbox)).rejects.toThrow(
      /^could not fetch .*\/allowed\/x: file URLs are not allowed.*--fetch-allow-dir; none is/,
    );
    await expect(fetcher.fetchAll([uri(`file://${join(root, 'secret')}`)], sandbox)).rejects.toThrow(/is outside the allowed directories/);
    await expect(fetcher.fetchAll([uri(join(allowed, 'link'))], sandbox)).rejects.toThrow(/is outside the allowed directories/);
    expect(existsSync(join(sandbox, 'secret'))).toBe(false);
    expect(existsSync(join(sandbox, 'link'))).toBe(false);
  });

  it('fetcher - an output file outside the sandbox and an unknown scheme are refused naming the URI', async () => {
    const { allowed, sandbox, fetcher } = await dirs();
    writeFileSync(join(allowed, 'a'), 'a');
    await expect(fetcher.fetchAll([uri(join(allowed, 'a'), { outputFile: '../escape' })], sandbox)).rejects.toThrow(
      /output file "\.\.\/escape" must be a relative path/,
    );
    await expect(fetcher.fetchAll([uri('ftp://h/x')], sandbox)).rejects.toThrow(
      'could not fetch ftp://h/x: the scheme ftp: is not supported (http, https, file)',
    );
  });

  it('fetcher - an allowed file is copied, made executable, and a zip and a tar are extracted into the sandbox', async () => {
    const { allowed, sandbox, fetcher } = await dirs();
    writeFileSync(join(allowed, 'run.sh'), '#!/bin/sh\n');
    mkdirSync(join(allowed, 'z'));
    writeFileSync(join(allowed, 'z', 'in-zip.txt'), 'zipped');
    execFileSync('sh', [
      '-c',
      `cd ${allowed} && busybox zip -q -r pack.zip z 2>/dev/null || python3 -c "import shutil; shutil.make_archive('pack', 'zip', '.', 'z')"`,
    ]);
    mkdirSync(join(allowed, 't'));
    writeFileSync(join(allowed, 't', 'in-tar.txt'), 'tarred');
    execFileSync('tar', ['-cf', join(allowed, 'pack.tar'), '-C', allowed, 't']);
    await fetcher.fetchAll(
      [
        uri(join(allowed, 'run.sh'), { executable: true }),
        uri(join(allowed, 'pack.zip'), { extract: true, outputFile: 'p.zip' }),
        uri(`file://${join(allowed, 'pack.tar')}`, { extract: true }),
      ],
      sandbox,
    );
    expect(statSync(join(sandbox, 'run.sh')).mode & 0o777).toBe(0o755);
    expect(readFileSync(join(sandbox, 'z', 'in-zip.txt'), 'utf8')).toBe('zipped');
    expect(readFileSync(join(sandbox, 't', 'in-tar.txt'), 'utf8')).toBe('tarred');
    expect(existsSync(join(sandbox, 'p.zip'))).toBe(true);
    expect(existsSync(join(sandbox, 'pack.tar'))).toBe(true);
  });

  const servers: Server[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((srv) => new Promise((done) => srv.close(done))));
  });
  /** A server on 127.0.0.1: `/file` is a file, `/to?url` redirects there. */
  async function serve(): Promise<string> {
    const srv = createServer((req, res) => {
      const u = new URL(req.url ?? '/', 'http://x');
      if (u.pathname === '/to') res.writeHead(302, { location: u.search.slice(1) }).end();
      else if (u.pathname === '/file') res.end('served');
      else res.writeHead(404).end();
    });
    servers.push(srv);
    await new Promise<void>((ok) => srv.listen(0, '127.0.0.1', ok));
    return `http://127.0.0.1:${(srv.address() as AddressInfo).port}`;
  }

  it('fetcher - link-local addresses are refused always, loopback unless allowed, private networks allowed (IPv4-mapped IPv6 as its IPv4)', () => {
    for (const a of ['169.254.169.254', '169.254.0.1', 'fe80::1', 'fd00:ec2::254', '::ffff:169.254.169.254']) {
      expect(addressRefusal(a, true)).toMatch(/link-local/);
    }
    for (const a of ['127.0.0.1', '127.1.2.3', '::1', '0.0.0.0', '::', '::ffff:127.0.0.1']) {
      expect(addressRefusal(a, false)).toMatch(/loopback.*--fetch-allow-loopback/);
      expect(addressRefusal(a, true)).toBeUndefined();
    }
    for (const a of ['10.0.0.1', '192.168.1.1', '172.16.0.1', '93.184.216.34', '2001:db8::1']) expect(addressRefusal(a, false)).toBeUndefined();
  });

  it('fetcher - http(s) to loopback is refused by default, by address and by name; allowed with allowLoopback; a redirect to a metadata address is refused', async () => {
    const { root, sandbox } = await dirs();
    const base = await serve();
    const port = new URL(base).port;
    const strict = new Fetcher({ cacheDir: join(root, 'c1') });
    await expect(strict.fetchAll([uri(`${base}/file`)], sandbox)).rejects.toThrow(
      `could not fetch ${base}/file: the address 127.0.0.1 is this host's loopback; the agent fetches from it only when its operator allows it (tandem agent --fetch-allow-loopback)`,
    );
    await expect(strict.fetchAll([uri(`http://localhost:${port}/file`)], sandbox)).rejects.toThrow(/localhost resolves to .*loopback/);
    await expect(strict.fetchAll([uri('http://[::ffff:127.0.0.1]:1/file')], sandbox)).rejects.toThrow(/loopback/);
    await expect(strict.fetchAll([uri('http://169.254.169.254/latest/meta-data/')], sandbox)).rejects.toThrow(/169\.254\.169\.254 is link-local/);
    expect(existsSync(join(sandbox, 'file'))).toBe(false);

    const local = new Fetcher({ cacheDir: join(root, 'c2'), allowLoopback: true });
    expect(await local.fetchAll([uri(`${base}/file`)], sandbox)).toEqual(['file']);
    expect(readFileSync(join(sandbox, 'file'), 'utf8')).toBe('served');
    // By name: the guarded lookup answers the connection when every address is allowed.
    expect(await local.fetchAll([uri(`http://localhost:${port}/file`, { outputFile: 'by-name' })], sandbox)).toEqual(['by-name']);
    expect(readFileSync(join(sandbox, 'by-name'), 'utf8')).toBe('served');
    // Each hop is checked: a redirect from an allowed server to the metadata service is refused.
    await expect(local.fetchAll([uri(`${base}/to?http://169.254.169.254/latest/meta-data/`, { outputFile: 'meta' })], sandbox)).rejects.toThrow(/link-local/);
    await expect(local.fetchAll([uri(`${base}/to?${base}/file`, { outputFile: 'moved' })], sandbox)).resolves.toEqual(['moved']);
    expect(readFileSync(join(sandbox, 'moved'), 'utf8')).toBe('served');
  });

  it('fetcher - more URIs than maxUris are refused before any fetch, naming command.uris and the flag', async () => {
    const { root, allowed, sandbox } = await dirs();
    writeFileSync(join(allowed, 'a'), 'a');
    const fetcher = new Fetcher({ allowDirs: [allowed], cacheDir: join(root, 'c'), maxUris: 2 });
    const three = [uri(join(allowed, 'a')), uri(join(allowed, 'a'), { outputFile: 'b' }), uri(join(allowed, 'a'), { outputFile: 'c' })];
    expect(fetcher.urisProblem(three.slice(0, 2))).toBeUndefined();
    expect(fetcher.urisProblem(three)).toBe('command.uris: 3 URIs, more than this agent fetches for a task (2; its operator sets it with --fetch-max-uris)');
    await expect(fetcher.fetchAll(three, sandbox)).rejects.toThrow(/^command.uris: 3 URIs/);
    expect(existsSync(join(sandbox, 'a'))).toBe(false);
    expect(new Fetcher({ cacheDir: join(root, 'd') }).maxUris).toBe(32);
  });
});
