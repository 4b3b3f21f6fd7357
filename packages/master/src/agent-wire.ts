import type { ServiceDefinition } from '@grpc/grpc-js';
import { type AgentMessage, type RegisterAgent, type Resource, type Task, type TaskView, tandemV1, wireCodecs } from '@tandem/protocol';

/**
 * A task of a `register` whose TaskInfo the master did not decode: its bytes as they
 * came, and the two fields the master needs to re-admit it.
 */
export interface ReceivedTaskInfo {
  /** The TaskInfo's encoding: a view of the received message (copy what is kept). */
  bytes: Buffer;
  taskId: string;
  /** Shared by every task of the same resource encoding: do not change it. */
  resources: readonly Resource[];
}

const received = new WeakMap<Task, ReceivedTaskInfo>();

/** The received TaskInfo of a re-registered task (its `info` is then null). */
export function receivedTaskInfo(task: Task): ReceivedTaskInfo | undefined {
  return received.get(task);
}

/** Decoded resource lists kept by their encoding: a cluster has few task shapes. */
const MAX_SHAPES = 10_000;

/**
 * The master's reader of `Agent.Connect` messages. A message is decoded as an
 * `AgentMessageView` (proto/tandem/v1/wire_views.proto), which is AgentMessage with a
 * register's TaskInfos and TaskStatuses left as bytes: each task's `info` is null and
 * `receivedTaskInfo(task)` has its bytes, task id and resources (a `TaskInfoHead` read
 * of them; each distinct resource encoding decoded once). After a failover 10,000 agents
 * re-register 100,000 tasks at once, and decoding every TaskInfo (every field
 * materialized) only for the master to store it again was a large part of its work.
 * Every other message decodes exactly as the generated AgentMessage decoder gives it.
 */
export class AgentMessageReader {
  private readonly shapes = new Map<string, readonly Resource[]>();

  read(buf: Buffer): AgentMessage {
    const codecs = wireCodecs();
    const message = codecs.agentMessageView.decode(buf);
    const reg = message.register;
    // Not a register: the view's other fields are AgentMessage's own.
    if (!reg) return message as unknown as AgentMessage;
    const register: RegisterAgent = { agentInfo: reg.agentInfo, tasks: reg.tasks.map((t) => this.task(t)), frameworks: reg.frameworks };
    return { ...message, register };
  }

  private task(view: TaskView): Task {
    const codecs = wireCodecs();
    const task: Task = {
      info: null,
      frameworkId: view.frameworkId,
      state: view.state,
      status: view.status.length > 0 ? codecs.taskStatus.decode(view.status) : null,
    };
    if (view.info.length > 0) {
      const head = codecs.taskInfoHead.decode(view.info);
      received.set(task, { bytes: view.info, taskId: head.taskId, resources: this.resourcesOf(head.resources) });
    }
    return task;
  }

  private resourcesOf(encoded: readonly Buffer[]): readonly Resource[] {
    let key = '';
    for (const bytes of encoded) key += `${bytes.length}:${bytes.toString('latin1')}`;
    let resources = this.shapes.get(key);
    if (!resources) {
      const codec = wireCodecs().resource;
      resources = encoded.map((bytes) => codec.decode(bytes));
      if (this.shapes.size >= MAX_SHAPES) this.shapes.clear();
      this.shapes.set(key, resources);
    }
    return resources;
  }
}

/** The Agent service definition with the master's reader (agent-wire.ts) as Connect's request deserializer. */
export function agentServiceDefinition(): ServiceDefinition {
  const service = tandemV1().Agent.service;
  const reader = new AgentMessageReader();
  return { ...service, Connect: { ...service.Connect, requestDeserialize: (buf: Buffer) => reader.read(buf) } };
}
