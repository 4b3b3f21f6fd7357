import { mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readSandboxFile } from './sandbox-files.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tandem-sandbox-'));
  await writeFile(join(dir, 'stdout'), 'hello world\n');
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const req = (name: string, offset: number, length: number) => ({ requestId: 'r1', name, offset, length });

describe('sandbox files', () => {
  it('sandbox files - reads from an offset, and from the end with a negative offset', async () => {
    const a = await readSandboxFile(dir, req('stdout', 6, 5));
    expect(a).toMatchObject({ requestId: 'r1', offset: 6, size: 12, eof: false, error: '' });
    expect(Buffer.from(a.data as Buffer).toString()).toBe('world');
    const b = await readSandboxFile(dir, req('stdout', -6, 0));
    expect(Buffer.from(b.data as Buffer).toString()).toBe('world\n');
    expect(b).toMatchObject({ offset: 6, eof: true });
  });

  it('sandbox files - refuses other names, symlinks and unknown tasks', async () => {
    expect((await readSandboxFile(dir, req('../../etc/passwd', 0, 10))).error).toMatch(/stdout/);
    expect((await readSandboxFile(undefined, req('stdout', 0, 10))).error).toMatch(/unknown task/);
    await symlink('/etc/hostname', join(dir, 'stderr'));
    expect((await readSandboxFile(dir, req('stderr', 0, 10))).error).toMatch(/symlink/);
  });

  it('sandbox files - a file not written yet reads as empty', async () => {
    await rm(join(dir, 'stdout'));
    expect(await readSandboxFile(dir, req('stdout', 0, 10))).toMatchObject({ size: 0, eof: true });
  });
});
