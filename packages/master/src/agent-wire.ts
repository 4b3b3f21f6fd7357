import type { ServiceDefinition } from '@grpc/grpc-js';
import { type AgentMessage, fieldSlices, forEachField, type MasterMessage, type Resource, type Task, tandemV1, varintLength, WireParts, writeVarint } from '@tandem/protocol';

/**
 * A task of a `register` whose TaskInfo the master did not decode: its bytes as they
 * came, and the two fields the master needs to re-admit it.
 */
export interface UndecodedTaskInfo {
  /** The TaskInfo's encoding (a view of the received message). */
  bytes: Uint8Array;
  taskId: string;
  /** Shared by every task of the same resource encoding: do not change it. */
  resources: readonly Resource[];
  /** The agent_id field (TaskInfo field 3): its value and where it is in `bytes`. */
  agentId: { value: string; start: number; end: number } | undefined;
}

const undecoded = new WeakMap<Task, UndecodedTaskInfo>();

/** The undecoded TaskInfo of a re-registered task (its `info` is then null). */
export function undecodedTaskInfo(task: Task): UndecodedTaskInfo | undefined {
  return undecoded.get(task);
}

const connect = () => tandemV1().Agent.service.Connect;

/**
 * The master's request deserializer for `Agent.Connect`. A `register` is decoded without
 * its tasks' TaskInfos: each task's `info` is null and `undecodedTaskInfo(task)` has its
 * bytes, task id and resources (decoded once per distinct resource encoding). After a
 * failover 10,000 agents re-register 100,000 tasks at once, and decoding every TaskInfo
 * (every field materialized) only for the master to store it again was a large part of
 * its work. Any other message, or bytes this reader does not follow, decode as usual.
 * AgentMessage.register = 1; RegisterAgent.tasks = 2; Task.info = 1; TaskInfo: task_id = 1, resources = 4.
 */
export function deserializeAgentMessage(buf: Buffer): AgentMessage {
  const decode = connect().requestDeserialize as (b: Buffer) => AgentMessage;
  if (buf[0] !== 0x0a) return decode(buf);
  const outer = fieldSlices(buf, 0, buf.length, 1);
  const reg = outer.length === 1 ? outer[0] : undefined;
  if (!reg) return decode(buf);
  const regParts = new WireParts();
  const infos: (UndecodedTaskInfo | undefined)[] = [];
  let tasksOk = true;
  const regOk = forEachField(buf, reg[0], reg[1], (field, wireType, tagStart, valueStart, end) => {
    if (field !== 2 || wireType !== 2) {
      regParts.bytes(buf.subarray(tagStart, end));
      return;
    }
    // The task without its (first) info field: what is before it and what is after it.
    let info: UndecodedTaskInfo | undefined;
    let cutStart = end;
    let cutEnd = end;
    let infoFields = 0;
    tasksOk &&= forEachField(buf, valueStart, end, (f, w, ts, vs, e) => {
      if (f !== 1 || w !== 2 || ++infoFields > 1) return;
      info = undecodedInfo(buf.subarray(vs, e));
      cutStart = ts;
      cutEnd = e;
    });
    // Bytes that do not parse, or an info given in several parts (merged by the generated
    // decoder), stay in for the generated decoder.
    if (infoFields > 1) info = undefined;
    infos.push(info);
    if (!info) {
      regParts.bytes(buf.subarray(tagStart, end));
      return;
    }
    regParts.tag(2).varint(end - valueStart - (cutEnd - cutStart));
    if (cutStart > valueStart) regParts.bytes(buf.subarray(valueStart, cutStart));
    if (end > cutEnd) regParts.bytes(buf.subarray(cutEnd, end));
  });
  if (!regOk || !tasksOk || !infos.some((i) => i !== undefined)) return decode(buf);
  const message = decode(new WireParts().tag(1).varint(regParts.length).bytes(regParts).build());
  const tasks = message.register?.tasks ?? [];
  if (tasks.length !== infos.length) return decode(buf);
  tasks.forEach((t, i) => {
    const info = infos[i];
    if (info) undecoded.set(t, info);
  });
  return message;
}

/** Task id and resources out of a TaskInfo's bytes; undefined when they do not parse (decoded as usual then). */
function undecodedInfo(bytes: Uint8Array): UndecodedTaskInfo | undefined {
  let taskId = '';
  let agentId: UndecodedTaskInfo['agentId'];
  const resourceFields: Uint8Array[] = [];
  // The resource fields' span, while they follow each other (protobufjs writes them so).
  let resStart = -1;
  let resEnd = -1;
  let resContiguous = true;
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
  const ok = forEachField(bytes, 0, bytes.length, (field, wireType, tagStart, valueStart, end) => {
    if (wireType !== 2) return;
    if (field === 1) taskId = text.toString('utf8', valueStart, end);
    else if (field === 3) agentId = { value: text.toString('utf8', valueStart, end), start: tagStart, end };
    else if (field === 4) {
      resourceFields.push(bytes.subarray(tagStart, end));
      if (resStart < 0) resStart = tagStart;
      else if (resEnd !== tagStart) resContiguous = false;
      resEnd = end;
    }
  });
  if (!ok) return undefined;
  const resources = resContiguous && resStart >= 0 ? resourcesOfSpan(text.subarray(resStart, resEnd)) : resourcesOf(resourceFields);
  return { bytes, taskId, resources, agentId };
}

/** The last span decoded, to skip even the key for a run of tasks of one shape. */
let lastSpan: Buffer | undefined;
let lastSpanResources: readonly Resource[] = [];

function resourcesOfSpan(span: Buffer): readonly Resource[] {
  if (lastSpan?.equals(span)) return lastSpanResources;
  const resources = resourcesOf([span]);
  lastSpan = Buffer.from(span);
  lastSpanResources = resources;
  return resources;
}

/** Decoded resource lists by their encoding (a cluster has few task shapes). */
const shapes = new Map<string, readonly Resource[]>();
const MAX_SHAPES = 10_000;

function resourcesOf(fields: Uint8Array[]): readonly Resource[] {
  const key = fields.map((f) => Buffer.from(f.buffer, f.byteOffset, f.length).toString('latin1')).join('');
  let resources = shapes.get(key);
  if (!resources) {
    // A TaskInfo with only those fields, decoded as a launch (the generated decoder has no
    // entry point for a bare TaskInfo).
    const info = new WireParts();
    for (const f of fields) info.bytes(f);
    const launch = new WireParts().tag(2).varint(info.length).bytes(info);
    const bytes = new WireParts().tag(2).varint(launch.length).bytes(launch).build();
    resources = ((connect().responseDeserialize as (b: Buffer) => MasterMessage)(bytes).launchTasks?.tasks[0]?.resources ?? []) as readonly Resource[];
    if (shapes.size >= MAX_SHAPES) shapes.clear();
    shapes.set(key, resources);
  }
  return resources;
}

/** The Agent service definition with this deserializer. */
export function agentServiceDefinition(): ServiceDefinition {
  const service = tandemV1().Agent.service;
  return { ...service, Connect: { ...service.Connect, requestDeserialize: deserializeAgentMessage } };
}

/**
 * An undecoded TaskInfo in the master's packed form (see packed-task-info.ts): the
 * encoding of a MasterMessage whose launch_tasks holds just this task, as latin1, with
 * agent_id (TaskInfo field 3) left out when it is `agentId`. MasterMessage.launch_tasks = 2; LaunchTasks.tasks = 2.
 */
export function packUndecodedTaskInfo(info: UndecodedTaskInfo, agentId: string): string {
  const { bytes } = info;
  const cut = info.agentId?.value === agentId ? info.agentId : undefined;
  const taskLength = bytes.length - (cut ? cut.end - cut.start : 0);
  const launchLength = 1 + varintLength(taskLength) + taskLength;
  const size = 1 + varintLength(launchLength) + launchLength;
  // Written into a buffer kept for it (the string is the copy kept): not a buffer per task.
  if (packScratch.length < size) packScratch = Buffer.allocUnsafe(Math.max(size, 2 * packScratch.length));
  const out = packScratch;
  let at = writeVarint(out, writeVarint(out, 0, TASKS_TAG), launchLength);
  at = writeVarint(out, writeVarint(out, at, TASKS_TAG), taskLength);
  if (cut) {
    out.set(bytes.subarray(0, cut.start), at);
    out.set(bytes.subarray(cut.end), at + cut.start);
  } else out.set(bytes, at);
  return out.toString('latin1', 0, size);
}

let packScratch = Buffer.allocUnsafe(4096);

/** MasterMessage.launch_tasks and LaunchTasks.tasks are both field 2, length-delimited. */
const TASKS_TAG = (2 << 3) | 2;
