import type { ClientDuplexStream } from '@grpc/grpc-js';
import {
  type AgentClient,
  type AgentMessageInit,
  fieldSlices,
  forEachField,
  type MasterMessage,
  nestedSlices,
  type TaskInfo,
  type TaskInit,
  type TaskStatus,
  tandemV1,
  varintLength,
  WireParts,
} from '@tandem/protocol';

/**
 * The agent's end of `Agent.Connect`: the generated (de)serializers plus one shortcut.
 * Each TaskInfo of a `launch_tasks` keeps the bytes it arrived as, each TaskStatus sent
 * in `status_updates` the bytes it was sent as, and a registration writes those bytes
 * back as the task's `info` and `status` (an embedded message is length-delimited bytes
 * on the wire, so the master decodes what it would have decoded before). Encoding every
 * TaskInfo and TaskStatus again was most of the agents' work after a master failover.
 * Whatever has no kept bytes (tasks recovered from checkpoints) is encoded as usual.
 */
export type AgentStream = ClientDuplexStream<AgentMessageInit, MasterMessage>;

/** Kept encodings, by object identity (the agent never mutates a TaskInfo or TaskStatus). */
const kept = new WeakMap<TaskInfo | TaskStatus, Uint8Array>();

/** The bytes a TaskInfo arrived as, or a TaskStatus was sent as, if kept. */
export function keptEncoding(message: TaskInfo | TaskStatus): Uint8Array | undefined {
  return kept.get(message);
}

export function openAgentStream(client: AgentClient): AgentStream {
  return client.makeBidiStreamRequest<AgentMessageInit, MasterMessage>(connect().path, serializeAgentMessage, deserializeMasterMessage);
}

const connect = () => tandemV1().Agent.service.Connect;
const serialize = (m: AgentMessageInit): Buffer => connect().requestSerialize(m) as Buffer;

/** MasterMessage.launch_tasks = 2; LaunchTasks.tasks = 2. */
export function deserializeMasterMessage(buf: Buffer): MasterMessage {
  const message = connect().responseDeserialize(buf) as MasterMessage;
  const tasks = message.launchTasks?.tasks;
  if (tasks && tasks.length > 0) keep(buf, [2], 2, tasks);
  return message;
}

/** StatusUpdates: AgentMessage.status_updates = 2; StatusUpdates.updates = 1; StatusUpdate.status = 1. */
export function serializeAgentMessage(message: AgentMessageInit): Buffer {
  if (message.register?.tasks?.length) return serializeRegistration(message);
  const buf = serialize(message);
  const updates = message.statusUpdates?.updates;
  if (updates && updates.length > 0) {
    const statuses = updates.map((u) => u.status as TaskStatus | null | undefined);
    const slices = nestedSlices(buf, [2], 1).map(([start, end]) => fieldSlices(buf, start, end, 1)[0]);
    if (slices.length === statuses.length && slices.every((x) => x !== undefined)) keepSlices(buf, slices as [number, number][], statuses);
  }
  return buf;
}

/**
 * Keeps copies of the `field` occurrences inside the message at `path` (one occurrence
 * per level) as the encodings of `objects`, in order; keeps nothing if they do not match.
 */
function keep(buf: Uint8Array, path: number[], field: number, objects: readonly (object | null | undefined)[]): void {
  keepSlices(buf, nestedSlices(buf, path, field), objects);
}

function keepSlices(buf: Uint8Array, slices: [number, number][], objects: readonly (object | null | undefined)[]): void {
  if (slices.length !== objects.length) return;
  // One copy for all (the message may be a view of a larger network buffer, or reused),
  // outside Buffer's shared pool so that kept bytes never pin a pool of other data.
  let total = 0;
  for (const [start, end] of slices) total += end - start;
  const slab = Buffer.allocUnsafeSlow(total);
  let at = 0;
  slices.forEach(([start, end], i) => {
    const object = objects[i];
    const view = slab.subarray(at, at + (end - start));
    view.set(buf.subarray(start, end));
    at += end - start;
    if (object) kept.set(object as TaskInfo, view);
  });
}

/** AgentMessage.register = 1; RegisterAgent.tasks = 2; Task: info = 1, framework_id = 2, state = 3, status = 4. */
function serializeRegistration(message: AgentMessageInit): Buffer {
  const reg = message.register;
  const tasks = reg?.tasks ?? [];
  const infos = tasks.map((t) => (t.info ? kept.get(t.info as TaskInfo) : undefined));
  const statuses = tasks.map((t) => (t.status ? kept.get(t.status as TaskStatus) : undefined));
  if (!reg || (!infos.some((b) => b) && !statuses.some((b) => b))) return serialize(message);
  const whole = wholeTasks(tasks, infos, statuses);
  if (whole) {
    // Every task from kept bytes: the generated encoder writes only the agent and its frameworks.
    const base = serialize({ register: { ...reg, tasks: [] } });
    const outer = fieldSlices(base, 0, base.length, 1);
    const regSlice = outer.length === 1 ? outer[0] : undefined;
    if (regSlice) {
      const out = new WireParts();
      const rest: Uint8Array[] = [];
      const parsed = forEachField(base, regSlice[0], regSlice[1], (field, _wireType, tagStart, _valueStart, end) => {
        if (field === 1) out.bytes(base.subarray(tagStart, end));
        else rest.push(base.subarray(tagStart, end));
      });
      if (parsed) {
        out.bytes(whole);
        for (const r of rest) out.bytes(r);
        return new WireParts().tag(1).varint(out.length).bytes(out).build();
      }
    }
  }
  const base = serialize({
    register: { ...reg, tasks: tasks.map((t, i) => (infos[i] || statuses[i] ? { ...t, info: infos[i] ? null : t.info, status: statuses[i] ? null : t.status } : t)) },
  });
  const outer = fieldSlices(base, 0, base.length, 1);
  const regSlice = outer.length === 1 ? outer[0] : undefined;
  if (!regSlice) return serialize(message);
  // RegisterAgent again: every field as it is, with each kept encoding put back in its
  // task (info first and status last, the order of their field numbers).
  const out = new WireParts();
  let taskIndex = 0;
  const parsed = forEachField(base, regSlice[0], regSlice[1], (field, _wireType, tagStart, valueStart, end) => {
    const info = field === 2 ? infos[taskIndex] : undefined;
    const status = field === 2 ? statuses[taskIndex] : undefined;
    if (field === 2) taskIndex++;
    if (!info && !status) {
      out.bytes(base.subarray(tagStart, end));
      return;
    }
    const rest = end - valueStart;
    const length = (info ? 1 + varintLength(info.length) + info.length : 0) + rest + (status ? 1 + varintLength(status.length) + status.length : 0);
    out.tag(2).varint(length);
    if (info) out.tag(1).varint(info.length).bytes(info);
    out.bytes(base.subarray(valueStart, end));
    if (status) out.tag(4).varint(status.length).bytes(status);
  });
  if (!parsed || taskIndex !== tasks.length) return serialize(message);
  return new WireParts().tag(1).varint(out.length).bytes(out).build();
}

let stateNumbers: Map<string, number> | undefined;
const frameworkIds = new Map<string, Buffer>();

/**
 * The RegisterAgent `tasks` fields written from kept bytes alone, when every task has its
 * TaskInfo and TaskStatus kept (as after a master failover); undefined otherwise.
 * Task: info = 1, framework_id = 2, state = 3 (varint), status = 4.
 */
function wholeTasks(tasks: readonly TaskInit[], infos: (Uint8Array | undefined)[], statuses: (Uint8Array | undefined)[]): WireParts | undefined {
  stateNumbers ??= new Map((tandemV1().TaskState.type as { value: { name: string; number: number }[] }).value.map((v) => [v.name, v.number]));
  const out = new WireParts();
  for (let i = 0; i < tasks.length; i++) {
    const t = tasks[i];
    const info = infos[i];
    const status = statuses[i];
    const state = stateNumbers.get(String(t?.state ?? ''));
    if (!t || !info || !status || state === undefined || typeof t.frameworkId !== 'string') return undefined;
    let fid = frameworkIds.get(t.frameworkId);
    if (!fid) {
      fid = Buffer.from(t.frameworkId);
      if (frameworkIds.size > 1000) frameworkIds.clear();
      frameworkIds.set(t.frameworkId, fid);
    }
    const length = 1 + varintLength(info.length) + info.length + 1 + varintLength(fid.length) + fid.length + 1 + varintLength(state) + 1 + varintLength(status.length) + status.length;
    out.tag(2).varint(length);
    out.tag(1).varint(info.length).bytes(info);
    out.tag(2).varint(fid.length).bytes(fid);
    out.varint(3 << 3).varint(state);
    out.tag(4).varint(status.length).bytes(status);
  }
  return out;
}
