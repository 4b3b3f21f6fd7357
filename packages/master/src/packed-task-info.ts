import { type MasterMessage, type MasterMessageInit, type TaskInfo, type TaskInfoInit, tandemV1 } from '@tandem/protocol';

// A decoded TaskInfo is ≈1.2 KiB of heap (every field present, resources and command as
// wire objects); its protobuf encoding is ≈100-200 bytes. The master keeps each task's
// TaskInfo encoded, as a latin1 string (one byte per char, no ArrayBuffer of its own to
// track, no pooled buffer kept alive), and decodes it only when the Operator API asks.
// The codec is the Agent.Connect stream's own MasterMessage (de)serializer, so a decoded
// TaskInfo has exactly the shape (loader options) of one received off the wire.

interface Codec {
  serialize(m: MasterMessageInit): Buffer;
  deserialize(b: Buffer): MasterMessage;
}

let codec: Codec | undefined;

function masterMessageCodec(): Codec {
  if (!codec) {
    const connect = tandemV1().Agent.service.Connect;
    codec = {
      serialize: connect.responseSerialize as Codec['serialize'],
      deserialize: connect.responseDeserialize as Codec['deserialize'],
    };
  }
  return codec;
}

/**
 * Packs a TaskInfo. Its `agentId` is left out when it equals `agentId` (the task's agent,
 * which the master's entry holds anyway); `unpackTaskInfo` puts it back.
 */
export function packTaskInfo(info: TaskInfoInit, agentId: string): string {
  const task = info.agentId === agentId ? { ...info, agentId: '' } : info;
  return masterMessageCodec().serialize({ launchTasks: { tasks: [task] } }).toString('latin1');
}

/** The TaskInfo `packTaskInfo` packed; an `agentId` left out is `agentId` again. */
export function unpackTaskInfo(packed: string, agentId: string): TaskInfo {
  const info = masterMessageCodec().deserialize(Buffer.from(packed, 'latin1')).launchTasks?.tasks[0];
  if (!info) throw new Error('a packed TaskInfo holds no task');
  if (info.agentId === '') info.agentId = agentId;
  return info;
}
