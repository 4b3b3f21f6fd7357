import type {
  AgentMessageHead,
  AgentMessageView,
  AgentMessageViewInit,
  MasterMessageHead,
  Resource,
  ResourceInit,
  TaskInfo,
  TaskInfoHead,
  TaskInfoInit,
  TaskStatus,
  TaskStatusInit,
} from './generated/friendly.js';
import { type MessageCodec, messageCodec } from './message-codec.js';

/**
 * The codecs of the hot paths that keep embedded messages as their bytes (the views of
 * proto/tandem/v1/wire_views.proto) and of the messages kept so. A head is only read,
 * never written: its `encode` takes nothing.
 */
export interface WireCodecs {
  /** AgentMessage with a register's TaskInfos and TaskStatuses as bytes. */
  agentMessageView: MessageCodec<AgentMessageView, AgentMessageViewInit>;
  /** The TaskStatuses of an AgentMessage's status updates, as bytes. */
  agentMessageHead: MessageCodec<AgentMessageHead, never>;
  /** The TaskInfos of a MasterMessage's launch, as bytes. */
  masterMessageHead: MessageCodec<MasterMessageHead, never>;
  /** A TaskInfo's id and resources (each as bytes). */
  taskInfoHead: MessageCodec<TaskInfoHead, never>;
  taskInfo: MessageCodec<TaskInfo, TaskInfoInit>;
  taskStatus: MessageCodec<TaskStatus, TaskStatusInit>;
  resource: MessageCodec<Resource, ResourceInit>;
}

let codecs: WireCodecs | undefined;

export function wireCodecs(): WireCodecs {
  codecs ??= {
    agentMessageView: messageCodec('AgentMessageView'),
    agentMessageHead: messageCodec('AgentMessageHead'),
    masterMessageHead: messageCodec('MasterMessageHead'),
    taskInfoHead: messageCodec('TaskInfoHead'),
    taskInfo: messageCodec('TaskInfo'),
    taskStatus: messageCodec('TaskStatus'),
    resource: messageCodec('Resource'),
  };
  return codecs;
}
