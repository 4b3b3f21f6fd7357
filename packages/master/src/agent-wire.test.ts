import { type AgentMessageInit, type TaskInfoInit, tandemV1 } from '@tandem/protocol';
import { describe, expect, it } from 'vitest';
import { AgentMessageReader, receivedTaskInfo } from './agent-wire.js';
import { packTaskInfoBytes, unpackTaskInfo } from './packed-task-info.js';

const method = () => tandemV1().Agent.service.Connect;
const encode = (m: AgentMessageInit): Buffer => method().requestSerialize(m) as Buffer;
const decode = (b: Buffer) => method().requestDeserialize(b);

const info = (id: string, cpus: number, agentId = 'agent-1'): TaskInfoInit => ({
  taskId: id,
  name: `task ${id}`,
  agentId,
  resources: [
    { name: 'cpus', scalar: cpus },
    { name: 'mem', scalar: 32 },
    { name: 'ports', ranges: { range: [{ begin: 31000, end: 31002 }] } },
  ],
  command: { shell: true, value: 'sleep 1000', environment: [{ name: 'GREETING', value: 'grüß dich' }] },
  container: { type: 'DOCKER', docker: { image: 'busybox' } },
  labels: [{ key: 'k', value: 'v' }],
  healthChecks: [{ type: 'TCP', portIndex: 0, reportOnly: true }],
});

const registration = (infos: (TaskInfoInit | null)[]): AgentMessageInit => ({
  register: {
    agentInfo: { id: 'agent-1', hostname: 'h1', resources: [{ name: 'cpus', scalar: 8 }], containerizers: ['docker'] },
    tasks: infos.map((i, n) => ({
      info: i,
      frameworkId: 'fw-1',
      state: 'TASK_RUNNING',
      status: { taskId: i?.taskId ?? `t${n}`, state: 'TASK_RUNNING', uuid: `u${n}`, frameworkId: 'fw-1', agentId: 'agent-1', timestamp: 1700000000 + n },
    })),
    frameworks: [{ id: 'fw-1', name: 'f', roles: ['web'] }],
  },
});

describe('master Agent.Connect deserializer', () => {
  it('decodes a register without its TaskInfos, which keep their bytes, task id and resources', () => {
    const reader = new AgentMessageReader();
    // t4 is larger than a pooled buffer (4 KiB); t5 after it.
    const big = { ...info('t4', 1), labels: [{ key: 'big', value: 'x'.repeat(20_000) }] };
    const message = registration([info('t1', 0.5), info('t2', 0.5), info('t3', 2, 'agent-other'), null, big, info('t5', 0.5)]);
    const standard = decode(encode(message));
    const fast = reader.read(encode(message));
    // Everything but the TaskInfos is decoded as the generated decoder does.
    expect({ ...fast.register, tasks: fast.register?.tasks.map((t) => ({ ...t, info: null })) }).toEqual({
      ...standard.register,
      tasks: standard.register?.tasks.map((t) => ({ ...t, info: null })),
    });
    const tasks = fast.register?.tasks ?? [];
    expect(tasks.map((t) => t.info)).toEqual([null, null, null, null, null, null]);
    tasks.forEach((t, i) => {
      const full = standard.register?.tasks[i]?.info;
      const u = receivedTaskInfo(t);
      if (!full) {
        expect(u).toBeUndefined();
        return;
      }
      expect(u?.taskId).toBe(full.taskId);
      expect(u?.resources).toEqual(full.resources);
      // Packed as the master keeps a TaskInfo: decodes to the full TaskInfo, whatever its agent id.
      expect(unpackTaskInfo(packTaskInfoBytes(u?.bytes ?? Buffer.alloc(0)), 'agent-1')).toEqual(full);
    });
    // Tasks of one resource encoding share one decoded list.
    expect(receivedTaskInfo(tasks[0] as never)?.resources).toBe(receivedTaskInfo(tasks[1] as never)?.resources);
    expect(receivedTaskInfo(tasks[2] as never)?.resources).not.toBe(receivedTaskInfo(tasks[0] as never)?.resources);
    // So do those of another registration.
    const again = reader.read(encode(registration([info('t9', 0.5)]))).register?.tasks[0];
    expect(receivedTaskInfo(again as never)?.resources).toBe(receivedTaskInfo(tasks[0] as never)?.resources);
  });

  it('decodes every other message as the generated decoder does, and refuses what it refuses', () => {
    const reader = new AgentMessageReader();
    const deserializeAgentMessage = (b: Buffer) => reader.read(b);
    const updates: AgentMessageInit = { statusUpdates: { updates: [{ status: { taskId: 't', state: 'TASK_RUNNING' }, latestState: 'TASK_RUNNING' }] } };
    expect(deserializeAgentMessage(encode(updates))).toEqual(decode(encode(updates)));
    const empty = registration([]);
    expect(deserializeAgentMessage(encode(empty))).toEqual(decode(encode(empty)));
    const pong: AgentMessageInit = { pong: { seq: 12 } };
    expect(deserializeAgentMessage(encode(pong))).toEqual(decode(encode(pong)));
    const file: AgentMessageInit = { fileData: { requestId: 'r', data: Buffer.from('out'), offset: 3, eof: true, size: 9 } };
    expect(deserializeAgentMessage(encode(file))).toEqual(decode(encode(file)));
    // A truncated register is refused as the generated decoder refuses it.
    const bytes = encode(registration([info('t1', 1)]));
    const truncated = bytes.subarray(0, bytes.length - 3);
    expect(() => decode(truncated)).toThrow();
    expect(() => deserializeAgentMessage(truncated)).toThrow();
  });
});
