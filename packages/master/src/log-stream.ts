import type { ServerResponse } from 'node:http';
import { StringDecoder } from 'node:string_decoder';
import { httpStatusOf, isTerminal, requestPrincipal, TandemError, type TaskState, ValidationError } from '@tandem/protocol';
import type { FastifyInstance } from 'fastify';
import type { MasterOperations } from './master-operations.js';

/** How often a followed log is read again while it has nothing new. */
export const LOG_FOLLOW_POLL_MS = 500;
/** Where a stream starts when no offset is asked: this many bytes before the end. */
const TAIL_BYTES = 16 * 1024;
const CHUNK_BYTES = 64 * 1024;
/** Unread bytes past which reading pauses until the client catches up. */
const PAUSE_BYTES = 256 * 1024;

type Params = { taskId: string };
type Query = { name?: string; offset?: string };

/**
 * `GET /api/v1/tasks/:taskId/logs/stream?name=stdout|stderr[&offset=N]`: follows a task's
 * sandbox log as Server-Sent Events. `event: data` carries `{ offset, text }` as the file
 * grows (read through the task's agent, as `/api/v1/tasks/:id/logs`); `event: eof` once
 * the task has ended and everything is sent; `event: error` with `{ message }` when a read
 * fails. Without `offset` it starts 16 KiB before the end. The caller needs `view` on the
 * task's framework (refused with 403/404 before the stream opens).
 */
export class LogStreams {
  private readonly open = new Set<ServerResponse>();

  constructor(
    private readonly master: MasterOperations,
    private readonly pollMs = LOG_FOLLOW_POLL_MS,
  ) {}

  routes(app: FastifyInstance): void {
    app.get<{ Params: Params; Querystring: Query }>('/api/v1/tasks/:taskId/logs/stream', async (req, reply) => {
      const principal = requestPrincipal(req.raw);
      const taskId = req.params.taskId;
      const name = req.query.name ?? 'stdout';
      let offset: number;
      try {
        const first = await this.master.readTaskLog({ taskId, name, offset: 0, length: 1 }, principal);
        const size = Number(first.size ?? 0);
        if (req.query.offset === undefined) offset = Math.max(0, size - TAIL_BYTES);
        else {
          offset = Number(req.query.offset);
          if (!Number.isSafeInteger(offset) || offset < 0) throw new ValidationError('offset', 'must be a non-negative integer');
        }
      } catch (err) {
        const e = TandemError.from(err);
        return reply.code(httpStatusOf(e.code)).send({ message: e.message, field: e.field });
      }
      reply.hijack();
      const res = reply.raw;
      res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', connection: 'keep-alive' });
      res.write('retry: 2000\n\n');
      this.open.add(res);
      const decoder = new StringDecoder('utf8');
      let closed = false;
      let timer: NodeJS.Timeout | undefined;
      res.on('close', () => {
        closed = true;
        clearTimeout(timer);
        this.open.delete(res);
      });
      const send = (event: string, data: unknown): void => {
        res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
      };
      const ended = (): boolean => {
        for (const t of this.master.tasks.values()) if (t.id === taskId) return isTerminal(t.state as TaskState);
        return true; // completed, or forgotten: nothing more will be written
      };
      const step = async (): Promise<void> => {
        if (closed) return;
        if (res.writableLength > PAUSE_BYTES) {
          timer = setTimeout(() => void step(), this.pollMs);
          return;
        }
        try {
          const wasEnded = ended();
          const got = await this.master.readTaskLog({ taskId, name, offset, length: CHUNK_BYTES }, principal);
          if (closed) return;
          const bytes = Buffer.from(got.data as Uint8Array);
          if (bytes.length > 0) {
            send('data', { offset, text: decoder.write(bytes) });
            offset += bytes.length;
          }
          if (bytes.length === 0 && wasEnded) {
            send('eof', { offset });
            res.end();
            return;
          }
          timer = setTimeout(() => void step(), bytes.length === CHUNK_BYTES ? 0 : this.pollMs);
        } catch (err) {
          if (closed) return;
          send('error', { message: TandemError.from(err).message });
          res.end();
        }
      };
      void step();
    });
  }

  closeAll(): void {
    for (const res of this.open) res.end();
    this.open.clear();
  }
}
