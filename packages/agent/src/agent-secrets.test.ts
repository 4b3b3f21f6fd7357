import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { EnvVarInit, TaskInfoInit } from '@tandem/protocol';
import Docker from 'dockerode';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Agent } from './agent.js';
import { DockerContainerizer } from './containerizer/docker.js';
import { ProcessContainerizer } from './containerizer/process.js';
import { type AgentHttpApi, startAgentHttp } from './http-api.js';
import type { AgentOptions } from './options.js';
import { AgentPaths } from './paths.js';
import { FakeMaster } from './test-support/fake-master.js';
import { loadTestEnv, mustHaveDocker, testImage } from './test-support/test-env.js';

loadTestEnv();
const docker = new Docker();
const engineUp = await new DockerContainerizer({ docker }).available();
if (!engineUp && mustHaveDocker()) throw new Error('no Docker Engine answers; in CI the docker tests must run: scripts/test-env.sh up');

const FW = { id: 'fw-1', name: 'test-fw', user: '', roles: ['*'], principal: '', failoverTimeoutSeconds: 0, capabilities: [], hostname: '', labels: [] };
const SECRET = 'v4lue-of-the-db-secret-7f3a';

function taskInfo(taskId: string, env: EnvVarInit[], value: string): TaskInfoInit {
  return {
    taskId,
    name: taskId,
    resources: [
      { name: 'cpus', scalar: 0.1 },
      { name: 'mem', scalar: 32 },
    ],
    command: { shell: true, value, environment: env },
  };
}

/** Every file under `dir` but the tasks' stdout and stderr, as text. */
async function filesUnder(dir: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const name of await readdir(dir, { recursive: true })) {
    const path = join(dir, name);
    if (/(^|\/)(stdout|stderr)$/.test(name) || !(await stat(path)).isFile()) continue;
    out.set(path, await readFile(path, 'utf8'));
  }
  return out;
}

let master: FakeMaster;
let base: string;
let workDir: string;
let secretsDir: string;
let agent: Agent | undefined;
let http: AgentHttpApi | undefined;
let logged: string;

function startAgent(extra: Partial<AgentOptions> = {}, withDocker = false): Promise<void> {
  logged = '';
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      logged += chunk.toString('utf8');
      done();
    },
  });
  const logger = pino({ level: 'trace' }, sink);
  agent = new Agent({
    master: master.address,
    workDir,
    hostname: 'host-a',
    resources: 'cpus:4;mem:4096;disk:1000',
    containerizers: [...(withDocker ? [new DockerContainerizer({ docker, logger })] : []), new ProcessContainerizer({ memoryIsolation: 'none', logger })],
    logger,
    ...extra,
  });
  return agent.start();
}

beforeEach(async () => {
  master = new FakeMaster();
  await master.start();
  base = await mkdtemp(join(tmpdir(), 'tandem-agent-secrets-'));
  workDir = join(base, 'work');
  secretsDir = join(base, 'secrets');
  await mkdir(secretsDir);
  await writeFile(join(secretsDir, 'db-password'), `${SECRET}\n`);
});

afterEach(async () => {
  await http?.close();
  http = undefined;
  await agent?.stop({ killTasks: true });
  agent = undefined;
  await master.stop();
  await rm(base, { recursive: true, force: true });
});

describe('agent - secrets', () => {
  it('agent - a secret reaches the task environment and nowhere else: not task.json, the HTTP API, updates or logs', async () => {
    await startAgent({ secretsDir });
    http = await startAgentHttp(agent as Agent, '127.0.0.1', 0);
    const env = [
      { name: 'DB_PASS', secret: 'db-password' },
      { name: 'MODE', value: 'prod' },
    ];
    master.send({ launchTasks: { framework: FW, tasks: [taskInfo('t-secret', env, 'echo "got:$DB_PASS:$MODE"; sleep 60')] } });
    await master.status('t-secret', 'TASK_RUNNING');
    const stdout = join(new AgentPaths(workDir).sandboxDir(FW.id, 't-secret'), 'stdout');
    // The probe of FakeMaster.waitFor is synchronous: read the file the same way.
    await master.waitFor(
      () => (existsSync(stdout) && readFileSync(stdout, 'utf8').includes(`got:${SECRET}:prod`)) || undefined,
      15_000,
      'the secret in stdout',
    );
    expect(await readFile(stdout, 'utf8')).toContain(`got:${SECRET}:prod`);

    const files = await filesUnder(workDir);
    const taskJson = [...files.entries()].find(([p]) => p.endsWith('task.json'));
    expect(taskJson?.[1]).toContain('"secret":"db-password"');
    for (const [path, text] of files) expect(text.includes(SECRET), path).toBe(false);

    const state = await (await fetch(`http://127.0.0.1:${http.port}/api/v1/state`)).text();
    expect(state).toContain('t-secret');
    expect(state).not.toContain(SECRET);
    expect(JSON.stringify(master.messages)).not.toContain(SECRET);
    expect(logged).toContain('t-secret');
    expect(logged).not.toContain(SECRET);
  });

  it('agent - a recovered task gets its secrets read again for its COMMAND health check', async () => {
    await startAgent({ secretsDir });
    const info: TaskInfoInit = {
      ...taskInfo('t-checked', [{ name: 'DB_PASS', secret: 'db-password' }], 'sleep 60'),
      healthChecks: [
        { type: 'COMMAND', intervalSeconds: 0.2, timeoutSeconds: 5, consecutiveFailures: 1, command: { shell: true, value: `test "$DB_PASS" = "${SECRET}"` } },
      ],
    };
    master.autoAck = true;
    master.send({ launchTasks: { framework: FW, tasks: [info] } });
    await master.waitFor(() => master.statuses.find((s) => s.taskId === 't-checked' && s.hasHealthy && s.healthy), 20_000, 'healthy before the restart');
    await agent?.stop();
    const before = master.statuses.length;
    await startAgent({ secretsDir });
    // Healthy again after recovery: a check without the secret would fail and kill the task.
    await master.waitFor(
      () => master.statuses.slice(before).find((s) => s.taskId === 't-checked' && s.hasHealthy && s.healthy),
      20_000,
      'healthy after the restart',
    );
    expect(master.statesOf('t-checked')).not.toContain('TASK_KILLED');
    expect(logged).not.toContain(SECRET);
  });

  it('agent - a missing secret, or no --secrets-dir, is TASK_FAILED with REASON_SECRET_GENERATION_FAILED naming it and the flag', async () => {
    await startAgent({ secretsDir });
    master.send({ launchTasks: { framework: FW, tasks: [taskInfo('t-missing', [{ name: 'X', secret: 'not-there' }], 'echo ran')] } });
    const failed = await master.status('t-missing', 'TASK_FAILED');
    expect(failed.reason).toBe('REASON_SECRET_GENERATION_FAILED');
    expect(failed.message).toBe(`secret "not-there": no such file in --secrets-dir ${secretsDir}`);
    expect(master.statesOf('t-missing')).not.toContain('TASK_RUNNING');
    await agent?.stop();

    await rm(workDir, { recursive: true, force: true });
    await startAgent();
    master.send({ launchTasks: { framework: FW, tasks: [taskInfo('t-nodir', [{ name: 'X', secret: 'db-password' }], 'echo ran')] } });
    const noDir = await master.status('t-nodir', 'TASK_FAILED');
    expect(noDir.reason).toBe('REASON_SECRET_GENERATION_FAILED');
    expect(noDir.message).toMatch(/^secret "db-password": this agent has no secret source \(start it with tandem agent --secrets-dir DIR/);
  });

  it('agent - a bad secret source name, or a value beside a secret, is TASK_ERROR naming the field', async () => {
    await startAgent({ secretsDir });
    master.send({ launchTasks: { framework: FW, tasks: [taskInfo('t-bad', [{ name: 'X', secret: '../secrets/db-password' }], 'echo ran')] } });
    const bad = await master.status('t-bad', 'TASK_ERROR');
    expect(bad.message).toMatch(/^command\.environment\[0\]\.secret: /);
    master.send({ launchTasks: { framework: FW, tasks: [taskInfo('t-both', [{ name: 'X', value: 'v', secret: 'db-password' }], 'echo ran')] } });
    expect((await master.status('t-both', 'TASK_ERROR')).message).toBe('command.environment[0].value: must be empty when the variable references a secret');
  });

  it.skipIf(!engineUp)('agent - a Docker task gets its secret in its environment; task.json and the logs do not hold it', async () => {
    await startAgent({ secretsDir }, true);
    const info: TaskInfoInit = {
      ...taskInfo('t-docker', [{ name: 'DB_PASS', secret: 'db-password' }], 'echo "docker:$DB_PASS"'),
      container: { type: 'DOCKER', docker: { image: testImage() } },
    };
    master.send({ launchTasks: { framework: FW, tasks: [info] } });
    const done = await master.status('t-docker', 'TASK_FINISHED', 60_000).catch(async (err: unknown) => {
      throw new Error(`${String(err)}: ${JSON.stringify(master.statuses.filter((s) => s.taskId === 't-docker'))}`);
    });
    expect(done.state).toBe('TASK_FINISHED');
    const stdout = await readFile(join(new AgentPaths(workDir).sandboxDir(FW.id, 't-docker'), 'stdout'), 'utf8');
    expect(stdout).toContain(`docker:${SECRET}`);
    for (const [path, text] of await filesUnder(workDir)) expect(text.includes(SECRET), path).toBe(false);
    expect(JSON.stringify(master.messages)).not.toContain(SECRET);
    expect(logged).not.toContain(SECRET);
  });
});
