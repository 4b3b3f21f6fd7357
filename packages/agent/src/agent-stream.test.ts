import { type AgentMessageInit, type MasterMessageInit, type TaskInfo, type TaskInfoInit, type TaskStatus, tandemV1 } from '@tandem/protocol';
import { describe, expect, it } from 'vitest';
import { deserializeMasterMessage, keptEncoding, serializeAgentMessage } from './agent-stream.js';

const method = () => tandemV1().Agent.service.Connect;
const encodeMaster = (m: MasterMessageInit): Buffer => method().responseSerialize(m) as Buffer;
const encodeAgent = (m: AgentMessageInit): Buffer => method().requestSerialize(m) as Buffer;
const decodeAgent = (b: Buffer) => method().requestDeserialize(b);

const task = (id: string, extra: Partial<TaskInfoInit> = {}): TaskInfoInit => ({
  taskId: id,
  name: `name of ${id}`,
  agentId: 'agent-1',
  resources: [
    { name: 'cpus', scalar: 0.5 },
    { name: 'ports', ranges: { range: [{ begin: 31000, end: 31001 }] } },
  ],
  command: { shell: true, value: 'sleep 1000', environment: [{ name: 'A', value: 'ü'.repeat(200) }] },
  labels: [{ key: 'k', value: 'v' }],
  ...extra,
});

function launched(tasks: TaskInfoInit[]): TaskInfo[] {
  const message = deserializeMasterMessage(encodeMaster({ launchTasks: { framework: { id: 'fw-1', name: 'f', roles: ['*'] }, tasks } }));
  return message.launchTasks?.tasks ?? [];
}

const status = (taskId: string, i: number): TaskStatus => ({
  taskId,
  state: i % 3 ? 'TASK_RUNNING' : 'TASK_STARTING',
  reason: 'REASON_NONE',
  source: 'SOURCE_AGENT',
  message: i % 2 ? '' : 'a message',
  agentId: 'agent-1',
  frameworkId: 'fw-1',
  uuid: `uuid-${i}`,
  timestamp: 1700000000.25 + i,
  hasExitCode: false,
  exitCode: 0,
  healthy: i % 2 === 1,
  hasHealthy: i % 2 === 1,
  containerId: `c${i}`,
});

/** Sends the statuses as status updates, as the agent does, so that their bytes are kept. */
function sent(statuses: TaskStatus[]): TaskStatus[] {
  serializeAgentMessage({ statusUpdates: { updates: statuses.map((s) => ({ status: s, latestState: s.state })) } });
  return statuses;
}

function registration(infos: TaskInfoInit[], statuses: (TaskStatus | null)[] = []): AgentMessageInit {
  return {
    register: {
      agentInfo: { id: 'agent-1', hostname: 'h', resources: [{ name: 'cpus', scalar: 4 }], containerizers: ['hollow'] },
      tasks: infos.map((info, i) => ({
        info,
        frameworkId: 'fw-1',
        state: i % 2 ? 'TASK_RUNNING' : 'TASK_STARTING',
        status: statuses[i] === undefined ? status(info.taskId ?? '', i) : statuses[i],
      })),
      frameworks: [{ id: 'fw-1', name: 'f', roles: ['*'] }],
    },
  };
}

describe('agent stream encoding', () => {
  it('keeps the bytes each launched TaskInfo arrived as', () => {
    const infos = launched([task('t1'), task('t2', { healthChecks: [{ type: 'TCP', portIndex: 0 }] })]);
    expect(infos.map((i) => i.taskId)).toEqual(['t1', 't2']);
    for (const info of infos) {
      const bytes = keptEncoding(info);
      expect(bytes).toBeDefined();
      // The kept bytes decode back to the same TaskInfo, as the `info` of a registration.
      const decoded = decodeAgent(serializeAgentMessage({ register: { tasks: [{ info }] } }));
      expect(decoded.register?.tasks[0]?.info).toEqual(info);
    }
    // A launch with no tasks, and other messages, keep nothing and decode as usual.
    expect(deserializeMasterMessage(encodeMaster({ ping: { seq: 7 } })).ping?.seq).toBe(7);
  });

  it('writes a registration with kept TaskInfo and TaskStatus bytes that decodes as the generated encoding does', () => {
    const infos = launched([task('t1'), task('t2'), task('t3', { killPolicy: { gracePeriodSeconds: 5 } }), task('t5')]);
    const statuses = sent([status('t1', 0), status('t2', 1), status('t3', 2)]);
    for (const s of statuses) expect(keptEncoding(s)).toBeDefined();
    // t4: recovered from a checkpoint (no kept bytes); t3: no status yet; t5: a status never sent.
    const recovered: TaskInfoInit = task('t4');
    const message = registration(
      [infos[0], infos[1], infos[2], recovered, infos[3]] as TaskInfoInit[],
      [statuses[0], statuses[1], null, statuses[2], status('t5', 4)] as (TaskStatus | null)[],
    );
    const fast = serializeAgentMessage(message);
    const standard = encodeAgent(message);
    expect(decodeAgent(fast)).toEqual(decodeAgent(standard));
    expect(decodeAgent(fast).register?.tasks.map((t) => [t.info?.taskId, t.status?.uuid ?? null])).toEqual([
      ['t1', 'uuid-0'],
      ['t2', 'uuid-1'],
      ['t3', null],
      ['t4', 'uuid-2'],
      ['t5', 'uuid-4'],
    ]);
    // Not the same bytes: a decoded TaskInfo has every default field set, and the
    // generated encoder writes them all; the kept bytes are the master's, without them.
    expect(fast.length).toBeLessThan(standard.length);
  });

  it('writes a registration whose every task has kept bytes (after a failover) that decodes as the generated encoding does', () => {
    const infos = launched([task('w1'), task('w2'), task('w3')]);
    const statuses = sent([status('w1', 0), status('w2', 1), { ...status('w3', 2), state: 'TASK_STAGING' }]);
    const message = registration(infos as TaskInfoInit[], statuses);
    message.register?.tasks?.forEach((t, i) => {
      t.state = (['TASK_STAGING', 'TASK_RUNNING', 'TASK_KILLING'] as const)[i];
    });
    const fast = serializeAgentMessage(message);
    expect(decodeAgent(fast)).toEqual(decodeAgent(encodeAgent(message)));
    expect(decodeAgent(fast).register?.tasks.map((t) => t.state)).toEqual(['TASK_STAGING', 'TASK_RUNNING', 'TASK_KILLING']);
  });

  it('writes status updates as the generated encoder does, and a registration without kept bytes too', () => {
    const updates: AgentMessageInit = { statusUpdates: { updates: [{ status: status('u1', 1), latestState: 'TASK_RUNNING' }] } };
    expect(serializeAgentMessage(updates).equals(encodeAgent(updates))).toBe(true);
    const message = registration([task('x1')]);
    expect(serializeAgentMessage(message).equals(encodeAgent(message))).toBe(true);
    const pong: AgentMessageInit = { pong: { seq: 3 } };
    expect(serializeAgentMessage(pong).equals(encodeAgent(pong))).toBe(true);
  });
});
