import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TaskInfoInit } from '@tandem/protocol';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Agent } from './agent.js';
import { ProcessContainerizer } from './containerizer/process.js';
import { AgentPaths } from './paths.js';
import { FakeMaster } from './test-support/fake-master.js';

const FW = { id: 'fw-1', name: 'test-fw', user: '', roles: ['*'], principal: '', failoverTimeoutSeconds: 0, capabilities: [], hostname: '', labels: [] };
const asRoot = process.getuid?.() === 0;

function taskInfo(taskId: string, user: string): TaskInfoInit {
  return {
    taskId,
    name: taskId,
    resources: [
      { name: 'cpus', scalar: 0.1 },
      { name: 'mem', scalar: 32 },
    ],
    command: { shell: true, value: 'id -u', user },
  };
}

let master: FakeMaster;
let workDir: string;
let agent: Agent | undefined;

beforeEach(async () => {
  master = new FakeMaster();
  await master.start();
  workDir = await mkdtemp(join(tmpdir(), 'tandem-agent-user-'));
});

afterEach(async () => {
  await agent?.stop();
  agent = undefined;
  await master.stop();
  await rm(workDir, { recursive: true, force: true });
});

describe.skipIf(!asRoot)('agent - task user', () => {
  it('agent - a process task asking for root is TASK_ERROR naming the flag; one of a framework naming nobody runs as nobody', async () => {
    agent = new Agent({
      master: master.address,
      workDir,
      hostname: 'host-a',
      resources: 'cpus:4;mem:4096;disk:1000',
      containerizers: [new ProcessContainerizer({ memoryIsolation: 'none' })],
    });
    await agent.start();
    master.send({ launchTasks: { framework: FW, tasks: [taskInfo('as-root', 'root')] } });
    const refused = await master.status('as-root', 'TASK_ERROR');
    expect(refused.reason).toBe('REASON_TASK_INVALID');
    expect(refused.message).toContain('--allow-root-tasks');
    master.send({ launchTasks: { framework: { ...FW, user: 'nobody' }, tasks: [taskInfo('as-nobody', '')] } });
    await master.status('as-nobody', 'TASK_FINISHED');
    const out = await readFile(join(new AgentPaths(workDir).sandboxDir(FW.id, 'as-nobody'), 'stdout'), 'utf8');
    expect(out.trim()).toBe(execFileSync('id', ['-u', 'nobody'], { encoding: 'utf8' }).trim());
  });
});
