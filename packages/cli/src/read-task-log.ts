import { Code, type OperatorClient, type ReadTaskLogResponse, sleep, TandemError } from '@tandem/protocol';
import { unary } from './operator-call.js';

export const LOG_CHUNK_BYTES = 1024 * 1024;
export const DEFAULT_LOG_READ_ATTEMPTS = 5;
export const LOG_RETRY_DELAY_MS = 200;

export interface ReadTaskLogOptions {
  taskId: string;
  name: 'stdout' | 'stderr';
  /** Called with each chunk, in order. */
  write: (data: Uint8Array) => void;
  /** Tries while the master or agent does not know the task yet. @default 5 */
  attempts?: number;
  /** The byte to start at (what an earlier, interrupted read already wrote). @default 0 */
  offset?: number;
  deadline: Date;
}

/** Reads a whole task log through Operator.ReadTaskLog, chunk by chunk, until EOF. */
export async function readTaskLog(client: OperatorClient, options: ReadTaskLogOptions): Promise<number> {
  const start = options.offset ?? 0;
  let offset = start;
  let attempt = 0;
  for (;;) {
    let res: ReadTaskLogResponse;
    try {
      res = await unary(client.ReadTaskLog.bind(client), { taskId: options.taskId, name: options.name, offset, length: LOG_CHUNK_BYTES }, options.deadline);
    } catch (err) {
      const e = TandemError.from(err);
      attempt += 1;
      // A standby's refusal (it names the leader) is for the caller to follow, not to retry here.
      const retryable = e.leader === undefined && (e.code === Code.NotFound || e.code === Code.Unavailable || e.code === Code.DeadlineExceeded);
      if (!retryable || attempt >= (options.attempts ?? DEFAULT_LOG_READ_ATTEMPTS) || offset > start) throw e;
      await sleep(LOG_RETRY_DELAY_MS);
      continue;
    }
    if (res.data.length > 0) options.write(res.data);
    offset = res.offset + res.data.length;
    if (res.eof || res.data.length === 0) return offset;
  }
}
