import { type TaskInfo, type TaskInfoInit, wireCodecs } from '@tandem/protocol';

// A decoded TaskInfo is ≈1.2 KiB of heap (every field present, resources and command as
// wire objects); its protobuf encoding is ≈100-200 bytes. The master keeps each task's
// TaskInfo encoded, as a latin1 string (one byte per char, no ArrayBuffer of its own to
// track, no network or pooled buffer kept alive), and decodes it only when the Operator
// API asks. The codec is the generated TaskInfo codec with the wire's loader options, so
// a decoded TaskInfo has exactly the shape of one received off the wire.

/**
 * Packs a TaskInfo. Its `agentId` is left out when it equals `agentId` (the task's agent,
 * which the master's entry holds anyway); `unpackTaskInfo` puts it back.
 */
export function packTaskInfo(info: TaskInfoInit, agentId: string): string {
  const task = info.agentId === agentId ? { ...info, agentId: '' } : info;
  return wireCodecs().taskInfo.encode(task).toString('latin1');
}

/** A TaskInfo's encoding as received (a re-registration, agent-wire.ts), packed as it is. */
export function packTaskInfoBytes(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
}

/** The TaskInfo `packTaskInfo` or `packTaskInfoBytes` packed; an `agentId` left out is `agentId` again. */
export function unpackTaskInfo(packed: string, agentId: string): TaskInfo {
  const info = wireCodecs().taskInfo.decode(Buffer.from(packed, 'latin1'));
  if (info.agentId === '') info.agentId = agentId;
  return info;
}
