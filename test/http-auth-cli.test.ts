import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, runCli, spawnTandem, startMaster, tempDir, waitFor } from './support/cluster.js';

// The CLI's side of HTTP authentication (issue #11, item 4): `tandem apps serve` and
// `tandem jobs serve` take credentials files, and the client commands send
// --http-credentials.

afterEach(cleanup);

describe('http auth cli', () => {
  it('http auth cli - apps and jobs serve with credentials files; clients without credentials fail with 401, with them work', async () => {
    const master = await startMaster();
    const dir = tempDir('tandem-auth-cli-');
    const creds = join(dir, 'credentials');
    const tokens = join(dir, 'tokens');
    writeFileSync(creds, '# operators\nalice:s3cret\n', { mode: 0o600 });
    writeFileSync(tokens, 'ci tok-123\n', { mode: 0o600 });
    const auth = ['--http-credentials-file', creds, '--http-tokens-file', tokens];
    const apps = spawnTandem(['apps', 'serve', '--master', master.address, '--host', '127.0.0.1', '--port', '0', '--work-dir', join(dir, 'apps'), ...auth]);
    const jobs = spawnTandem(['jobs', 'serve', '--master', master.address, '--host', '127.0.0.1', '--port', '0', '--work-dir', join(dir, 'jobs'), ...auth]);
    const appsPort = await waitFor(() => /tandem apps: API http:\/\/127\.0\.0\.1:(\d+)/.exec(apps.output())?.[1], 'the apps API', 30_000);
    const jobsPort = await waitFor(() => /tandem jobs: API http:\/\/127\.0\.0\.1:(\d+)/.exec(jobs.output())?.[1], 'the jobs API', 30_000);

    for (const [cmd, port] of [
      ['apps', appsPort],
      ['jobs', jobsPort],
    ] as const) {
      const url = `http://127.0.0.1:${port}`;
      const [refused, wrong, ok] = await Promise.all([
        runCli([cmd, 'list', '--url', url, '--json']),
        runCli([cmd, 'list', '--url', url, '--json', '--http-credentials', 'alice:wrong']),
        runCli([cmd, 'list', '--url', url, '--json', '--http-credentials', 'alice:s3cret']),
      ]);
      expect(refused.code, cmd).not.toBe(0);
      expect(refused.stderr).toMatch(/401 authentication required/);
      expect(wrong.stderr).toMatch(/401 invalid credentials/);
      expect(ok.stderr).toBe('');
      expect(ok.code).toBe(0);
      const bearer = await fetch(`${url}/ping`);
      expect(bearer.status).toBe(200);
      expect((await fetch(`${url}/${cmd === 'apps' ? 'v2/apps' : 'v1/jobs'}`, { headers: { authorization: 'Bearer tok-123' } })).status).toBe(200);
    }
  });

  it('http auth cli - a bad credentials file fails the start naming the flag and the line', async () => {
    const dir = tempDir('tandem-auth-cli-');
    const creds = join(dir, 'credentials');
    writeFileSync(creds, 'alice:s3cret\nbob\n');
    const run = await runCli(['jobs', 'serve', '--master', '127.0.0.1:1', '--port', '0', '--work-dir', join(dir, 'jobs'), '--http-credentials-file', creds]);
    expect(run.code).not.toBe(0);
    expect(run.stderr).toContain(`--http-credentials-file ${creds} line 2: expected user:password`);
    const missing = await runCli([
      'apps',
      'serve',
      '--master',
      '127.0.0.1:1',
      '--port',
      '0',
      '--work-dir',
      join(dir, 'apps'),
      '--http-tokens-file',
      join(dir, 'nope'),
    ]);
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toMatch(/--http-tokens-file: cannot read/);
  });
});
