import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, REPO, runCli, tempDir, track, waitFor } from './support/cluster.js';
import { UP_FREE_PORTS } from './support/up.js';

// The README's promises: `npm run up` brings a cluster up that `tandem execute` can
// use, Ctrl-C stops it cleanly, and `.ci/run` calls the README's test command.

afterEach(cleanup);

describe('README', () => {
  it('readme - the up script starts a working cluster and Ctrl-C stops it', async () => {
    const workDir = tempDir('tandem-up-');
    const child = spawn('bash', [join(REPO, 'scripts', 'up.sh'), '--work-dir', workDir, ...UP_FREE_PORTS], {
      cwd: REPO,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, TANDEM_LOG_LEVEL: 'info' },
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      out += d.toString();
    });
    track(() => {
      if (child.exitCode === null) child.kill('SIGKILL');
    });
    const port = await waitFor(() => /"grpcPort":(\d+)/.exec(out)?.[1], 'the master to log its port', 120_000);
    await waitFor(() => /agent registered/.test(out), 'the agent to register', 30_000);
    const run = await runCli(['execute', '--master', `127.0.0.1:${port}`, '--', 'echo', 'up-works']);
    expect(run.stdout).toMatch(/^up-works$/m);
    expect(run.code).toBe(0);
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGINT');
    const code = await Promise.race([exited, new Promise<'hung'>((r) => setTimeout(() => r('hung'), 15_000))]);
    expect(code).toBe(0);
  });

  it('readme - .ci/run runs the README test command', () => {
    const readme = readFileSync(join(REPO, 'README.md'), 'utf8');
    const ci = readFileSync(join(REPO, '.ci', 'run'), 'utf8');
    expect(readme).toMatch(/^npm test$/m);
    expect(ci).toMatch(/npm test/);
  });

  it('readme - the compose section says how to start the HA cluster and what NATS needs for durability (test/compose.test.ts checks the file)', () => {
    const readme = readFileSync(join(REPO, 'README.md'), 'utf8');
    expect(readme).toMatch(/^docker compose up --build -d$/m);
    expect(readme).toContain('sync_interval: always');
    expect(readme).toMatch(/3 replicas/);
  });
});
