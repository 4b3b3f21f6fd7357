import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Agent, DockerContainerizer, ProcessContainerizer } from '@tandem/agent';
import type { Master } from '@tandem/master';
import { afterEach, describe, expect, it } from 'vitest';
import { api, privatePorts, startApps } from './support/apps.js';
import { cleanup, dockerAvailable, startMaster, TEST_IMAGE, tempDir, track, waitFor } from './support/cluster.js';
import { serveFiles } from './support/file-server.js';

// Marathon's fetch and uris through the apps framework, a real master and a real agent
// (process containerizer): the agent downloads each URI into the task's sandbox before
// the start, from an HTTP server of the test and from a file URL under the directory
// the agent allows (--fetch-allow-dir), extracts a tar.gz and makes a script executable;
// a URI it may not read fails the task with a message naming the URI.

afterEach(cleanup);

async function fetchingAgent(master: Master, allowDir: string, containerizer: 'process' | 'docker' = 'process', fetchMaxUris?: number): Promise<string> {
  const workDir = join(tempDir(), 'agent');
  const agent = new Agent({
    master: master.address,
    workDir,
    hostname: 'it-host',
    resources: `cpus:4;mem:4096;disk:4096;ports:${privatePorts()}`,
    containerizers: [containerizer === 'docker' ? new DockerContainerizer() : new ProcessContainerizer()],
    fetchAllowDirs: [allowDir],
    // The test serves files from 127.0.0.1, which an agent refuses by default.
    fetchAllowLoopback: true,
    ...(fetchMaxUris !== undefined ? { fetchMaxUris } : {}),
    statusRetryMs: { initial: 200, max: 1000 },
    reconnectBackoff: { initialMs: 100, maxMs: 500 },
  });
  await agent.start();
  track(() => agent.stop({ killTasks: true }));
  return workDir;
}

describe('apps fetch', () => {
  it('apps fetch - an app finds its fetch URIs in its sandbox: a served file, an extracted tar.gz, an executable script, a cached download and an allowed file URL', async () => {
    const files = tempDir('tandem-fetch-src-');
    writeFileSync(join(files, 'greeting.txt'), 'hello from http\n');
    writeFileSync(join(files, 'tool.sh'), '#!/bin/sh\necho tool ran\n');
    mkdirSync(join(files, 'bundle'));
    writeFileSync(join(files, 'bundle', 'inner.txt'), 'from the archive\n');
    // Symbolic links out of the sandbox, inside an archive and as one's top entry: handed over as links, never followed.
    const outside = tempDir('tandem-fetch-outside-');
    writeFileSync(join(outside, 'root-owned'), 'stays root\n');
    symlinkSync(outside, join(files, 'bundle', 'outside'));
    symlinkSync(outside, join(files, 'toplink'));
    execFileSync('tar', ['-czf', join(files, 'bundle.tar.gz'), '-C', files, 'bundle']);
    execFileSync('tar', ['-czf', join(files, 'links.tar.gz'), '-C', files, 'toplink']);
    const local = tempDir('tandem-fetch-local-');
    writeFileSync(join(local, 'local.txt'), 'from a file url\n');
    const out = tempDir('tandem-fetch-out-');
    chmodSync(out, 0o777); // the task runs as nobody
    const { url, hits } = await serveFiles(files);
    const master = await startMaster();
    await fetchingAgent(master, local);
    const fw = await startApps(master);

    const app = {
      id: '/fetcher',
      cmd: 'cat greeting.txt bundle/inner.txt local.txt cached.txt > "$OUT/seen.tmp" && ./tool.sh >> "$OUT/seen.tmp" && stat -c %U greeting.txt bundle bundle/inner.txt tool.sh cached.txt >> "$OUT/seen.tmp" && mv "$OUT/seen.tmp" "$OUT/seen" && exec sleep 600',
      user: 'nobody',
      cpus: 0.1,
      mem: 32,
      env: { OUT: out },
      fetch: [
        { uri: `${url}/greeting.txt` },
        { uri: `${url}/bundle.tar.gz`, extract: true },
        { uri: `${url}/links.tar.gz`, extract: true },
        { uri: `${url}/tool.sh`, executable: true, extract: false },
        { uri: `file://${join(local, 'local.txt')}` },
        { uri: `${url}/greeting.txt`, cache: true, destPath: 'cached.txt' },
      ],
    };
    expect((await api(fw.url, 'POST', '/v2/apps', app)).status).toBe(201);
    const seen = await waitFor(
      () => (existsSync(join(out, 'seen')) ? readFileSync(join(out, 'seen'), 'utf8') : undefined),
      'the app to report what it found',
      30_000,
      200,
    );
    // What was fetched (extracted archives too) belongs to the task's user, as Mesos' fetcher leaves it.
    expect(seen).toBe('hello from http\nfrom the archive\nfrom a file url\nhello from http\ntool ran\nnobody\nnobody\nnobody\nnobody\nnobody\n');
    expect(hits.get('/bundle.tar.gz')).toBe(1);
    expect([statSync(outside).uid, statSync(join(outside, 'root-owned')).uid]).toEqual([0, 0]);
    // The app shows its fetch as given, with Marathon's defaults.
    const shown = (await api(fw.url, 'GET', '/v2/apps/fetcher')).body.app;
    expect(shown.fetch[0]).toEqual({ uri: `${url}/greeting.txt`, extract: true, executable: false, cache: false });
  });

  it('apps fetch - a file URL outside the allowed directory, or a URL the server does not have, fails the task naming the URI; an unsupported scheme is a 422', async () => {
    const files = tempDir('tandem-fetch-src-');
    const { url } = await serveFiles(files);
    const master = await startMaster();
    await fetchingAgent(master, tempDir('tandem-fetch-allowed-'), 'process', 2);
    const fw = await startApps(master);
    const failureOf = (id: string) =>
      waitFor(
        async () => (await api(fw.url, 'GET', `/v2/apps/${id}?embed=app.lastTaskFailure`)).body.app?.lastTaskFailure,
        `${id} to show its task failure`,
        30_000,
        200,
      );

    const base = { cmd: 'exec sleep 600', cpus: 0.1, mem: 32, instances: 1 };
    expect((await api(fw.url, 'POST', '/v2/apps', { ...base, id: '/outside', fetch: [{ uri: 'file:///etc/passwd' }] })).status).toBe(201);
    expect((await api(fw.url, 'POST', '/v2/apps', { ...base, id: '/missing', uris: [`${url}/nothing.tgz`] })).status).toBe(201);
    const outside = await failureOf('outside');
    expect(outside.state).toBe('TASK_FAILED');
    expect(outside.message).toMatch(/^could not fetch file:\/\/\/etc\/passwd: \/etc\/passwd is outside the allowed directories/);
    expect(outside.message).toContain('--fetch-allow-dir');
    const missing = await failureOf('missing');
    expect(missing.state).toBe('TASK_FAILED');
    expect(missing.message).toBe(`could not fetch ${url}/nothing.tgz: the server answered 404 Not Found`);
    // The metadata service's address is refused whatever the agent allows.
    expect((await api(fw.url, 'POST', '/v2/apps', { ...base, id: '/metadata', uris: ['http://169.254.169.254/latest/meta-data/'] })).status).toBe(201);
    const metadata = await failureOf('metadata');
    expect(metadata.state).toBe('TASK_FAILED');
    expect(metadata.message).toMatch(/^could not fetch http:\/\/169\.254\.169\.254\/latest\/meta-data\/: the address 169\.254\.169\.254 is link-local/);

    // The agent's own limit (--fetch-max-uris 2 here): TASK_ERROR naming command.uris, nothing fetched.
    const three = [1, 2, 3].map((i) => ({ uri: `${url}/f${i}`, destPath: `f${i}` }));
    expect((await api(fw.url, 'POST', '/v2/apps', { ...base, id: '/three', fetch: three })).status).toBe(201);
    const overLimit = await failureOf('three');
    expect(overLimit.state).toBe('TASK_ERROR');
    expect(overLimit.message).toBe('command.uris: 3 URIs, more than this agent fetches for a task (2; its operator sets it with --fetch-max-uris)');

    const tooMany = await api(fw.url, 'POST', '/v2/apps', { ...base, id: '/many', uris: Array.from({ length: 33 }, (_, i) => `${url}/f${i}`) });
    expect(tooMany.status).toBe(422);
    expect(tooMany.body.details).toEqual([{ path: '/uris', errors: ['at most 32 URIs (fetch and uris together), got 33'] }]);

    const refused = await api(fw.url, 'POST', '/v2/apps', { ...base, id: '/ftp', fetch: [{ uri: 'ftp://example.com/x' }], uris: ['s3://bucket/y'] });
    expect(refused.status).toBe(422);
    expect(refused.body.details.map((d: { path: string }) => d.path)).toEqual(['/fetch/0/uri', '/uris/0']);
  });

  it("apps fetch - a Docker app finds its fetched file in its sandbox at $MESOS_SANDBOX (/mnt/mesos/sandbox); with a user, the file is that user's", async () => {
    if (!(await dockerAvailable())) return;
    const files = tempDir('tandem-fetch-src-');
    writeFileSync(join(files, 'greeting.txt'), 'hello from http in docker\n');
    const { url } = await serveFiles(files);
    const master = await startMaster();
    const workDir = await fetchingAgent(master, tempDir('tandem-fetch-allowed-'), 'docker');
    const fw = await startApps(master);
    const app = {
      id: '/docked',
      cmd: 'echo "at $MESOS_SANDBOX:" && cat /mnt/mesos/sandbox/greeting.txt && exec sleep 600',
      cpus: 0.1,
      mem: 32,
      container: { type: 'DOCKER', docker: { image: TEST_IMAGE } },
      fetch: [{ uri: `${url}/greeting.txt` }],
    };
    expect((await api(fw.url, 'POST', '/v2/apps', app)).status).toBe(201);
    const stdoutOf = () =>
      (readdirSync(workDir, { recursive: true }) as string[])
        .filter((f) => f.endsWith('/stdout'))
        .map((f) => readFileSync(join(workDir, f), 'utf8'))
        .find((text) => text.includes('hello'));
    const out = await waitFor(stdoutOf, 'the container to print the fetched file', 30_000, 200);
    expect(out).toBe('at /mnt/mesos/sandbox:\nhello from http in docker\n');

    // A Docker task with a user: what was fetched is that user's, as the agent's host names it (this test
    // env's image runs nothing but as root, so the task fails to start; the file is read from the host).
    expect((await api(fw.url, 'POST', '/v2/apps', { ...app, id: '/docked-nobody', user: 'nobody' })).status).toBe(201);
    const nobodyUid = Number(execFileSync('id', ['-u', 'nobody'], { encoding: 'utf8' }).trim());
    const nobodys = () =>
      (readdirSync(workDir, { recursive: true }) as string[]).filter((f) => f.endsWith('/greeting.txt') && statSync(join(workDir, f)).uid === nobodyUid);
    expect((await waitFor(() => (nobodys().length > 0 ? nobodys() : undefined), 'a fetched file owned by nobody', 30_000, 200)).length).toBeGreaterThan(0);
  });
});
