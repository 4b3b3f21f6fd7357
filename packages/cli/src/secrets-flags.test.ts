import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from './test-support/run-cli.js';

// tandem agent --secrets-dir: documented, and a directory that is not there fails the start naming the flag.

const run = runCli;

describe('tandem agent --secrets-dir', () => {
  it('secrets flags - --help documents tandem agent --secrets-dir and tandem execute --secret-env', async () => {
    const flat = (await run('agent', '--help')).out.replace(/\s+/g, ' ');
    for (const f of ['--secrets-dir', 'TANDEM_SECRETS_DIR']) expect(flat).toContain(f);
    const execute = (await run('execute', '--help')).out.replace(/\s+/g, ' ');
    for (const f of ['--secret-env <NAME=SOURCE>', 'TANDEM_SECRET_ENV']) expect(execute).toContain(f);
  });

  it('secrets flags - a --secrets-dir that does not exist, or is a file, fails the start naming the flag', async () => {
    const base = await mkdtemp(join(tmpdir(), 'tandem-secrets-flag-'));
    try {
      const missing = await run('agent', '--master', '127.0.0.1:1', '--port', '0', '--work-dir', join(base, 'w1'), '--secrets-dir', join(base, 'nope'));
      expect(missing.code).toBe(1);
      expect(missing.err).toContain(`--secrets-dir: ${join(base, 'nope')} does not exist`);
      await writeFile(join(base, 'file'), 'x');
      const file = await run('agent', '--master', '127.0.0.1:1', '--port', '0', '--work-dir', join(base, 'w2'), '--secrets-dir', join(base, 'file'));
      expect(file.code).toBe(1);
      expect(file.err).toContain('is not a directory');
    } finally {
      await rm(base, { recursive: true, force: true });
    }
  });
});
