import { type AgentMessageInit, nestedSlices, type TaskInit, type TaskStatusInit, tandemV1, WireParts } from '@tandem/protocol';
import { describe, expect, it } from 'vitest';
import { deserializeAgentMessage } from './agent-wire.js';
import { readTask } from './task-reader.js';

const method = () => tandemV1().Agent.service.Connect;
const encode = (m: AgentMessageInit): Buffer => method().requestSerialize(m) as Buffer;
const decode = (b: Buffer) => method().requestDeserialize(b);

const info = { taskId: 't1', name: 'n', agentId: 'agent-1', resources: [{ name: 'cpus', scalar: 1 }] };
const register = (tasks: TaskInit[]): AgentMessageInit => ({
  register: { agentInfo: { id: 'agent-1', hostname: 'h' }, tasks, frameworks: [{ id: 'fw-1', name: 'f' }] },
});

/** The bytes of the first `field` of the message at `path` in `buf`. */
function slice(buf: Buffer, path: number[], field: number): Buffer {
  const [start, end] = nestedSlices(buf, path, field)[0] ?? [0, 0];
  return buf.subarray(start, end);
}

/** A register's bytes with `extra` (raw Task fields) appended to its one task (which has an info). */
function withTaskBytes(task: TaskInit, extra: Uint8Array): Buffer {
  const taskBytes = new WireParts().bytes(slice(encode({ register: { tasks: [{ ...task, info }] } }), [1], 2)).bytes(extra);
  const reg = new WireParts().tag(2).varint(taskBytes.length).bytes(taskBytes);
  return new WireParts().tag(1).varint(reg.length).bytes(reg).build();
}

/** The tasks of the master's decoding equal the generated decoder's (TaskInfos aside). */
function expectSameTasks(buf: Buffer): void {
  const standard = decode(buf).register?.tasks.map((t) => ({ ...t, info: null }));
  const fast = deserializeAgentMessage(buf).register?.tasks.map((t) => ({ ...t, info: null }));
  expect(fast).toEqual(standard);
}

/** The first task of a register, read by hand (undefined when left to the generated decoder). */
function readOnly(buf: Buffer) {
  const [start, end] = nestedSlices(buf, [1], 2)[0] ?? [0, 0];
  return readTask(buf, start, end);
}

const full: TaskStatusInit = {
  taskId: 't1', state: 'TASK_FAILED', reason: 'REASON_KILLED_BY_FRAMEWORK', source: 'SOURCE_EXECUTOR', message: 'grüß dich 東京',
  agentId: 'agent-1', frameworkId: 'fw-1', uuid: 'u-1', timestamp: 1700000000.25, hasExitCode: true, exitCode: 137,
  healthy: true, hasHealthy: true, containerId: 'c0ffee',
};

describe('task reader', () => {
  it('reads a task and its status as the generated decoder does', () => {
    const cases: TaskInit[] = [
      { info, frameworkId: 'fw-1', state: 'TASK_RUNNING', status: full },
      { info, frameworkId: 'fw-1', state: 'TASK_KILLING', status: { taskId: 't1', state: 'TASK_RUNNING', source: 'SOURCE_AGENT' } },
      { info, frameworkId: 'fw-1', state: 'TASK_STAGING', status: {} },
      { info, frameworkId: 'fw-1' },
      { frameworkId: 'fw-1', state: 'TASK_RUNNING' },
    ];
    for (const task of cases) {
      const buf = encode(register([task, { ...task, frameworkId: 'fw-2' }]));
      expectSameTasks(buf);
    }
    const read = readOnly(encode(register([{ info, frameworkId: 'fw-1', state: 'TASK_RUNNING', status: full }])));
    expect(read).toEqual({ info: null, frameworkId: 'fw-1', state: 'TASK_RUNNING', status: full });
  });

  it('takes the last of a repeated field and skips unknown fields, as the generated decoder does', () => {
    const task: TaskInit = { frameworkId: 'fw-1', state: 'TASK_RUNNING', status: full };
    // framework_id again (field 2), state again (field 3: TASK_KILLED = 6), an unknown field 9.
    const extra = new WireParts().tag(2).varint(4).bytes(Buffer.from('fw-9')).varint(3 << 3).varint(6).tag(9).varint(1).bytes(Buffer.from('x')).build();
    const buf = withTaskBytes(task, extra);
    expectSameTasks(buf);
    expect(readOnly(buf)).toMatchObject({ frameworkId: 'fw-9', state: 'TASK_KILLED' });
  });

  it('leaves to the generated decoder what it does not follow', () => {
    const task: TaskInit = { frameworkId: 'fw-1', state: 'TASK_RUNNING', status: full };
    const status = (s: TaskStatusInit) => slice(encode({ register: { tasks: [{ status: s }] } }), [1, 2], 4);
    const cases = [
      // A status given in two parts (merged by the generated decoder).
      new WireParts().tag(4).varint(status({ uuid: 'u-2' }).length).bytes(status({ uuid: 'u-2' })).build(),
      // A state it has no name for.
      new WireParts().varint(3 << 3).varint(99).build(),
      // framework_id as a varint.
      new WireParts().varint(2 << 3).varint(1).build(),
    ];
    for (const extra of cases) {
      const buf = withTaskBytes(task, extra);
      expect(readOnly(buf)).toBeUndefined();
      expectSameTasks(buf);
    }
    // A negative exit code (a ten-byte varint).
    expectSameTasks(encode(register([{ info, frameworkId: 'fw-1', status: { ...full, exitCode: -1 } }])));
  });
});
