import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
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
});
