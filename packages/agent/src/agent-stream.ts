import type { ClientDuplexStream } from '@grpc/grpc-js';
import {
  type AgentClient,
  type AgentMessageInit,
  type MasterMessage,
  type RegisterAgentInit,
  type TaskInfo,
  type TaskStatus,
  type TaskViewInit,
  tandemV1,
  wireCodecs,
} from '@tandem/protocol';

/**
 * The agent's end of `Agent.Connect`: the generated (de)serializers, plus the bytes of
 * what it re-registers. Each TaskInfo of a `launch_tasks` keeps the bytes it arrived as
 * (read with `MasterMessageHead`), each TaskStatus sent in `status_updates` the bytes it
 * was sent as (`AgentMessageHead`), and a registration is written as an
 * `AgentMessageView` whose tasks carry those bytes as their `info` and `status`
 * (proto/tandem/v1/wire_views.proto: an embedded message is length-delimited bytes on
 * the wire, so the master decodes what it would have decoded before). Encoding every
 * TaskInfo and TaskStatus again was most of the agents' work after a master failover.
 * Whatever has no kept bytes (tasks recovered from checkpoints) is encoded on its own.
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

export function deserializeMasterMessage(buf: Buffer): MasterMessage {
  const message = connect().responseDeserialize(buf) as MasterMessage;
  const tasks = message.launchTasks?.tasks;
  if (tasks && tasks.length > 0) keep(wireCodecs().masterMessageHead.decode(buf).launchTasks?.tasks ?? [], tasks);
  return message;
}

export function serializeAgentMessage(message: AgentMessageInit): Buffer {
  if (message.register?.tasks?.length) return serializeRegistration(message.register);
  const buf = serialize(message);
  const updates = message.statusUpdates?.updates;
  if (updates && updates.length > 0) {
    const sent = wireCodecs().agentMessageHead.decode(buf).statusUpdates?.updates ?? [];
    keep(
      sent.map((u) => u.status),
      updates.map((u) => u.status as TaskStatus | null | undefined),
    );
  }
  return buf;
}

/**
 * Keeps copies of `encodings` as the encodings of `objects`, in order; keeps nothing if
 * their numbers differ.
 */
function keep(encodings: readonly Uint8Array[], objects: readonly (TaskInfo | TaskStatus | null | undefined)[]): void {
  if (encodings.length !== objects.length) return;
  // One copy for all (the encodings are views of the message, itself maybe a view of a
  // larger network buffer, or reused), outside Buffer's shared pool so that kept bytes
  // never pin a pool of other data.
  let total = 0;
  for (const e of encodings) total += e.length;
  const slab = Buffer.allocUnsafeSlow(total);
  let at = 0;
  encodings.forEach((e, i) => {
    const view = slab.subarray(at, at + e.length);
    view.set(e);
    at += e.length;
    const object = objects[i];
    if (object) kept.set(object, view);
  });
}

/** A registration as an `AgentMessageView`: each task's kept bytes, or its encoding now. */
function serializeRegistration(reg: RegisterAgentInit): Buffer {
  const codecs = wireCodecs();
  const tasks = (reg.tasks ?? []).map((t): TaskViewInit => {
    const info = t.info ? (kept.get(t.info as TaskInfo) ?? codecs.taskInfo.encode(t.info)) : undefined;
    const status = t.status ? (kept.get(t.status as TaskStatus) ?? codecs.taskStatus.encode(t.status)) : undefined;
    return { info, frameworkId: t.frameworkId, state: t.state, status };
  });
  return codecs.agentMessageView.encode({ register: { agentInfo: reg.agentInfo, tasks, frameworks: reg.frameworks } });
}
