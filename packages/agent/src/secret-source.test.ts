import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DirectorySecretSource, NO_SECRETS, readSecrets, SecretError } from './secret-source.js';

let base: string;
let dir: string;

beforeEach(async () => {
  base = await mkdtemp(join(tmpdir(), 'tandem-secrets-'));
  dir = join(base, 'secrets');
  await mkdir(dir);
});

afterEach(async () => {
  await rm(base, { recursive: true, force: true });
});

const failure = async (p: Promise<unknown>): Promise<SecretError> => {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(SecretError);
  return err as SecretError;
};

describe('secret source', () => {
  it('secret source - reads DIR/<source>, dropping one trailing newline only', async () => {
    await writeFile(join(dir, 'db-password'), 's3cr3t-value\n');
    await writeFile(join(dir, 'crlf'), 'line1\nline2\r\n');
    await writeFile(join(dir, 'two'), 'x\n\n');
    const source = new DirectorySecretSource(dir);
    expect(await source.read('db-password')).toBe('s3cr3t-value');
    expect(await source.read('crlf')).toBe('line1\nline2');
    expect(await source.read('two')).toBe('x\n');
    expect(await readSecrets(source, ['db-password', 'two'])).toEqual(
      new Map([
        ['db-password', 's3cr3t-value'],
        ['two', 'x\n'],
      ]),
    );
  });

  it('secret source - a missing secret, a directory and a bad name fail naming the secret and the flag', async () => {
    await mkdir(join(dir, 'adir'));
    const source = new DirectorySecretSource(dir);
    const missing = await failure(source.read('nope'));
    expect(missing.message).toBe(`secret "nope": no such file in --secrets-dir ${dir}`);
    expect(missing.source).toBe('nope');
    expect((await failure(source.read('adir'))).message).toMatch(/^secret "adir": not a regular file in --secrets-dir /);
    expect((await failure(source.read('../secrets/x'))).message).toMatch(/must be 1-200 of \[A-Za-z0-9._-\]/);
    expect((await failure(source.read('..'))).message).toMatch(/not contain "\.\."/);
  });

  it('secret source - follows a symlink inside the directory, never one leading out of it', async () => {
    await writeFile(join(base, 'outside'), 'host-file\n');
    await mkdir(join(dir, '..data'));
    await writeFile(join(dir, '..data', 'token'), 'inside\n');
    await symlink('..data/token', join(dir, 'token'));
    await symlink(join(base, 'outside'), join(dir, 'escape'));
    const source = new DirectorySecretSource(dir);
    expect(await source.read('token')).toBe('inside');
    const err = await failure(source.read('escape'));
    expect(err.message).toMatch(/^secret "escape": a symlink leading out of --secrets-dir /);
    expect(err.message).not.toContain('host-file');
  });

  it('secret source - refuses a file over the size cap, a FIFO (without hanging) and a NUL byte', async () => {
    await writeFile(join(dir, 'big'), 'x'.repeat(101));
    await writeFile(join(dir, 'fits'), 'x'.repeat(100));
    await writeFile(join(dir, 'nul'), 'a\0b');
    execFileSync('mkfifo', [join(dir, 'fifo')]);
    const source = new DirectorySecretSource(dir, 100);
    expect(await source.read('fits')).toHaveLength(100);
    expect((await failure(source.read('big'))).message).toMatch(/^secret "big": 101 bytes, more than the 100 allowed in --secrets-dir /);
    expect((await failure(source.read('fifo'))).message).toMatch(/^secret "fifo": not a regular file/);
    expect((await failure(source.read('nul'))).message).toMatch(/NUL byte/);
  });

  it('secret source - without --secrets-dir every reference fails naming the flag', async () => {
    expect((await failure(NO_SECRETS.read('db'))).message).toMatch(
      /^secret "db": this agent has no secret source \(start it with tandem agent --secrets-dir DIR/,
    );
  });
});
