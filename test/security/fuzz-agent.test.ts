import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Agent, ProcessContainerizer } from '@tandem/agent';
import type { TaskInfoInit } from '@tandem/protocol';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeMaster } from '../../packages/agent/src/test-support/fake-master.js';
import { tempDir } from '../support/cluster.js';
import { brief, FUZZ_SEED, fuzzRuns, nastyNumber, nastyString, Tally, TRAVERSALS } from './fuzz-support.js';
import { wireValue } from './grpc-probe.js';

// The agent against a hostile master (the other direction of Agent.Connect): a scripted
// master (FakeMaster, a real gRPC server) sends read_file with generated task ids, names,
// offsets and lengths, launches with traversal in framework and task ids and bad resources,
// kills and acknowledgements with made-up ids. Every read is answered with the task's own
// output or an error, never with anything outside the sandbox; no file appears outside
// the agent's work dir; the agent keeps its stream and its running task.

const RUNS = fuzzRuns(40);
const tally = new Tally();
const FW = { id: 'fw-1', name: 'fz', user: '', roles: ['*'], principal: '', failoverTimeoutSeconds: 0, capabilities: [], hostname: '', labels: [] };
const LEAK = /root:.*:0:0:|"id"\s*:\s*"agent|TANDEM-STORE|PRIVATE KEY|task\.json|updates\.jsonl/;
const OUT = 'reader-out\n';

let master: FakeMaster;
let agent: Agent;
let workDir: string;
let serial = 0;

const num = fc.oneof(
  nastyNumber.map((n) => wireValue(n) as number),
  fc.constant(Number.NaN),
);
const idLike = fc.oneof({ weight: 3, arbitrary: nastyString.filter((s) => s.length < 10_000) }, { weight: 2, arbitrary: fc.constantFrom(...TRAVERSALS) });

function task(taskId: string, over: Partial<TaskInfoInit> = {}): TaskInfoInit {
  return {
    taskId,
    name: 'fz',
    resources: [
      { name: 'cpus', scalar: 0.01 },
      { name: 'mem', scalar: 8 },
    ],
    command: { shell: true, value: `printf '${OUT.trim()}\\n'; sleep 600`, environment: [] },
    ...over,
  };
}

beforeAll(async () => {
  master = new FakeMaster();
  master.autoAck = true;
  await master.start();
  workDir = join(tempDir(), 'agent');
  agent = new Agent({
    master: master.address,
    workDir,
    hostname: 'fz-host',
    resources: 'cpus:2;mem:1024;disk:1000',
    containerizers: [new ProcessContainerizer()],
    statusRetryMs: { initial: 100, max: 200 },
    reconnectBackoff: { initialMs: 50, maxMs: 200 },
  });
  await agent.start();
  master.send({ launchTasks: { framework: FW, tasks: [task('reader')] } });
  await master.status('reader', 'TASK_RUNNING');
  await master.waitFor(() => readOnce('reader', 'stdout').then((d) => d.data.toString() === OUT || undefined), 15_000, 'the reader output');
}, 60_000);

afterAll(async () => {
  tally.print('Agent fuzzing (a hostile master)');
  await agent?.stop({ killTasks: true });
  await master?.stop();
});

/** One read_file and its file_data answer. */
async function readOnce(taskId: string, name: string, offset = 0, length = 0): Promise<{ data: Buffer; error: string; size: number }> {
  const requestId = `r-${++serial}`;
  master.send({ readFile: { requestId, taskId, name, offset, length } });
  const answer = await master.waitFor(
    () => master.messages.find((m) => m.fileData?.requestId === requestId)?.fileData ?? undefined,
    10_000,
    `file_data ${requestId}`,
  );
  return { data: Buffer.from(answer.data as Uint8Array), error: answer.error, size: Number(answer.size) };
}

describe('fuzz - the agent against a hostile master', { timeout: Math.max(60_000, RUNS * 3_000) }, () => {
  it('fuzz-agent - read_file with generated task ids, names, offsets and lengths: the task output or an error, never a file outside the sandbox', async () => {
    const count = tally.of('read_file');
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(fc.constant('reader'), idLike),
        fc.oneof(fc.constantFrom('stdout', 'stderr'), idLike),
        fc.oneof(fc.constantFrom(0, -4, 3), num),
        fc.oneof(fc.constantFrom(0, 4, 1 << 20), num),
        async (taskId, name, offset, length) => {
          const r = await readOnce(taskId, name, offset, length);
          count.tried++;
          const what = `${brief(taskId, 80)} ${brief(name, 80)} ${offset} ${length}`;
          expect(LEAK.test(r.data.toString()), what).toBe(false);
          if (r.error) {
            count.refused++;
            expect(r.data.length, what).toBe(0);
            return;
          }
          count.accepted++;
          if (taskId !== 'reader' || !['stdout', 'stderr'].includes(name)) {
            count.acceptedWrongly++;
            throw new Error(`${what}: read without an error`);
          }
          expect(OUT.includes(r.data.toString()) || r.data.length === 0, `${what}: ${r.data.toString().slice(0, 80)}`).toBe(true);
        },
      ),
      { seed: FUZZ_SEED, numRuns: RUNS },
    );
  });

  it('fuzz-agent - launches with traversal in framework and task ids and bad resources, kills and acks of made-up ids: nothing outside the work dir, the agent and its task carry on', async () => {
    const parent = join(workDir, '..');
    const before = readdirSync(parent).sort();
    const count = tally.of('launch_tasks, kill_tasks, acknowledgements');
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.record({ fid: fc.oneof(fc.constant('fw-1'), idLike), tid: idLike, cpus: num, mem: num }).map(({ fid, tid, cpus, mem }) => ({
            launchTasks: {
              framework: { ...FW, id: fid },
              tasks: [
                task(tid, {
                  resources: [
                    { name: 'cpus', scalar: cpus },
                    { name: 'mem', scalar: mem },
                  ],
                }),
              ],
            },
          })),
          fc.record({ taskId: idLike, frameworkId: idLike }).map((k) => ({ killTasks: { kills: [{ ...k, killPolicy: { gracePeriodSeconds: 0 } }] } })),
          fc.record({ agentId: idLike, taskId: idLike, uuid: idLike, frameworkId: idLike }).map((a) => ({ acknowledgements: { acks: [a] } })),
        ),
        async (message) => {
          const statuses = master.statuses.length;
          master.send(message);
          count.tried++;
          const taskId = 'launchTasks' in message ? message.launchTasks.tasks[0]?.taskId : undefined;
          if (taskId) {
            // A launch is answered: TASK_ERROR for what the agent refuses (or, for a valid id, its run). An empty id has nothing to answer for.
            await master.waitFor(() => master.statuses.slice(statuses).find((s) => s.taskId === taskId), 10_000, `a status for ${brief(taskId, 60)}`);
          }
          const refused = master.statuses.slice(statuses).some((s) => s.state === 'TASK_ERROR');
          if (refused) count.refused++;
          else count.accepted++;
          expect(readdirSync(parent).sort()).toEqual(before);
          expect(existsSync('/tmp/escape')).toBe(false);
        },
      ),
      { seed: FUZZ_SEED, numRuns: RUNS },
    );
    // One stream all along (no crash, no redial), and the reader still runs and reads.
    expect(master.connects).toBe(1);
    expect(agent.tasks().find((t) => t.taskId === 'reader')?.phase).toBe('running');
    expect((await readOnce('reader', 'stdout')).data.toString()).toBe(OUT);
    expect(readdirSync(join(workDir, 'sandboxes'))).toEqual(expect.arrayContaining(['fw-1']));
  });
});
