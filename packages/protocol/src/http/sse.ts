import type { ServerResponse } from 'node:http';

/** A comment line is sent this often on an idle stream, so proxies and clients do not time it out. */
export const DEFAULT_SSE_KEEPALIVE_MS = 15_000;

/** One open Server-Sent Events stream. */
export interface SseStream {
  /** Writes one event: `event: <type>` and its data as JSON. */
  send(eventType: string, data: unknown): void;
  /** Writes a comment line (`:` alone by default), which clients ignore; it flushes the headers at once. */
  comment(text?: string): void;
  /** Runs `fn` once the stream ends, whichever side ends it. */
  onClose(fn: () => void): void;
}

/**
 * The SSE streams of one server (apps' `/v2/events`, jobs' `/v1/events`): `open()`
 * answers a hijacked request with `text/event-stream` and a keepalive comment every
 * `keepaliveMs`; `closeAll()`, on the server's shutdown, ends every stream still open.
 */
export class SseStreams {
  private readonly responses = new Set<ServerResponse>();

  constructor(private readonly keepaliveMs = DEFAULT_SSE_KEEPALIVE_MS) {}

  open(res: ServerResponse): SseStream {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
    this.responses.add(res);
    const keepalive = setInterval(() => res.write(':\n\n'), this.keepaliveMs);
    keepalive.unref();
    res.on('close', () => {
      clearInterval(keepalive);
      this.responses.delete(res);
    });
    return {
      send: (eventType, data) => {
        res.write(`event: ${eventType}\ndata: ${JSON.stringify(data)}\n\n`);
      },
      comment: (text = '') => {
        res.write(`:${text === '' ? '' : ` ${text}`}\n\n`);
      },
      onClose: (fn) => {
        res.on('close', fn);
      },
    };
  }

  get size(): number {
    return this.responses.size;
  }

  closeAll(): void {
    for (const res of this.responses) res.end();
    this.responses.clear();
  }
}
