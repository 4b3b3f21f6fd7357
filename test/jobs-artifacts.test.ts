import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, startAgent, startMaster, tempDir } from './support/cluster.js';
import { serveFiles } from './support/file-server.js';
import { startJobs, waitRunDone } from './support/jobs.js';

// Metronome's run.artifacts on a real master and agent (process containerizer): the
// agent fetches them into the sandbox before the start (an archive extracted by
// default, as Metronome does); one it cannot fetch fails the run's task naming it.

afterEach(cleanup);

describe('jobs artifacts', () => {
  it('jobs artifacts - a run finds its artifacts in its sandbox (a file, an extracted tar.gz, an executable); a missing one fails the run; ftp is a 422', async () => {
    const files = tempDir('tandem-artifacts-');
    writeFileSync(join(files, 'data.txt'), 'payload\n');
    writeFileSync(join(files, 'check.sh'), '#!/bin/sh\ngrep -q payload data.txt && grep -q inside pack/in.txt\n');
    mkdirSync(join(files, 'pack'));
    writeFileSync(join(files, 'pack', 'in.txt'), 'inside\n');
    execFileSync('tar', ['-czf', join(files, 'pack.tgz'), '-C', files, 'pack']);
    const { url } = await serveFiles(files);
    const master = await startMaster();
    await startAgent(master, { containerizers: ['process'], fetchAllowLoopback: true });
    const { api } = await startJobs(master);

    const run = {
      cmd: './check.sh',
      cpus: 0.1,
      mem: 32,
      artifacts: [{ uri: `${url}/data.txt`, extract: false }, { uri: `${url}/pack.tgz` }, { uri: `${url}/check.sh`, executable: true, cache: true }],
    };
    const created = await api('POST', '/v1/jobs', { id: 'fetching', run });
    expect(created.status).toBe(201);
    expect(created.body.run.artifacts[1]).toEqual({ uri: `${url}/pack.tgz`, executable: false, extract: true, cache: false });
    const done = await waitRunDone(api, 'fetching', (await api('POST', '/v1/jobs/fetching/runs')).body.id);
    expect(done.status).toBe('SUCCESS');

    await api('POST', '/v1/jobs', { id: 'missing', run: { ...run, artifacts: [{ uri: `${url}/gone.txt` }] } });
    const failed = await waitRunDone(api, 'missing', (await api('POST', '/v1/jobs/missing/runs')).body.id);
    expect(failed.status).toBe('FAILED');
    expect(failed.tasks[0].status).toBe('TASK_FAILED');

    const refused = await api('POST', '/v1/jobs', { id: 'ftp', run: { ...run, artifacts: [{ uri: 'ftp://h/x' }] } });
    expect(refused.status).toBe(422);
    expect(JSON.stringify(refused.body)).toContain('artifacts');
  });
});
