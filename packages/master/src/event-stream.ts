import type { ServerResponse } from 'node:http';
import { type Logger, nowSeconds, type OperatorEventInit, requestPrincipal } from '@tandem/protocol';
import type { FastifyInstance } from 'fastify';
import { frameworkViewer } from './framework-viewer.js';
import type { MasterOperations } from './master-operations.js';
import { visibleEvent } from './state-filter.js';

/** A heartbeat event this often, so that idle streams stay open through proxies and clients see a live master. */
export const EVENT_HEARTBEAT_MS = 15_000;
/** Bytes a client may leave unread before it is dropped: a slow reader never holds the master's memory or time. */
export const EVENT_CLIENT_BUFFER_BYTES = 1024 * 1024;

/** The kind of an OperatorEvent: its one set field, in the proto's snake_case (`task_added`, `agent_unreachable`, ...). */
export function operatorEventKind(event: OperatorEventInit): string | undefined {
  for (const [key, value] of Object.entries(event)) {
    if (value === undefined || value === null) continue;
    return key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
  }
  return undefined;
}

/** Each event's frame, made once however many streams send it (the master hands every watcher the same object). */
const frames = new WeakMap<OperatorEventInit, string>();

function frameOf(event: OperatorEventInit, kind: string): string {
  let frame = frames.get(event);
  if (frame === undefined) {
    frame = `event: ${kind}\ndata: ${operatorEventJson(event, kind)}\n\n`;
    frames.set(event, frame);
  }
  return frame;
}

/** JSON of an event's payload: bytes as base64, 64-bit integers as numbers. */
export function operatorEventJson(event: OperatorEventInit, kind: string): string {
  const camel = kind.replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase());
  return JSON.stringify((event as Record<string, unknown>)[camel], (_key, value: unknown) => {
    if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
    if (typeof value === 'bigint') return Number(value);
    if (value && typeof value === 'object' && 'low' in value && 'high' in value && 'unsigned' in value) {
      const long = value as { low: number; high: number; unsigned: boolean };
      return long.high * 2 ** 32 + (long.low >>> 0);
    }
    return value;
  });
}

/**
 * `GET /api/v1/events`: the master's OperatorEvents as Server-Sent Events, from now on
 * (`event: <kind>`, the payload as JSON in `data:`), each filtered by the caller's `view`
 * ACL as Operator.Watch filters them, with a `heartbeat` event every 15 s. No snapshot:
 * readers fetch the small, paginated views they show and apply the events to them. A
 * client that leaves more than `EVENT_CLIENT_BUFFER_BYTES` unread is disconnected (it
 * reconnects and fetches anew); the master never waits for a reader. Every stream ends
 * when the master stops.
 */
export class EventStreams {
  private readonly open = new Set<ServerResponse>();
  /** Streams dropped for reading too slowly, since the start. */
  dropped = 0;

  constructor(
    private readonly master: MasterOperations,
    private readonly log?: Logger,
    private readonly heartbeatMs = EVENT_HEARTBEAT_MS,
    private readonly bufferBytes = EVENT_CLIENT_BUFFER_BYTES,
  ) {}

  get size(): number {
    return this.open.size;
  }

  routes(app: FastifyInstance): void {
    app.get('/api/v1/events', (req, reply) => {
      const mayView = frameworkViewer(this.master, requestPrincipal(req.raw));
      const q = req.query as Record<string, string | undefined>;
      const kinds = q.kind ? new Set(q.kind.split(',').map((k) => k.trim())) : undefined;
      reply.hijack();
      const res = reply.raw;
      res.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-store',
        connection: 'keep-alive',
        'x-accel-buffering': 'no',
      });
      this.open.add(res);
      let closed = false;
      const write = (text: string): void => {
        if (closed) return;
        if (res.writableLength > this.bufferBytes) {
          this.dropped++;
          this.log?.warn({ unread: res.writableLength }, 'event stream client too slow; disconnected');
          end();
          res.destroy();
          return;
        }
        res.write(text);
      };
      const send = (event: OperatorEventInit): void => {
        const kind = operatorEventKind(event);
        if (!kind || (kinds && !kinds.has(kind))) return;
        write(frameOf(event, kind));
      };
      const unsubscribe = this.master.watch(
        (event) => {
          const visible = visibleEvent(event, mayView);
          if (visible) send(visible);
        },
        () => {
          end();
          res.end();
        },
      );
      const heartbeat = setInterval(() => send({ heartbeat: nowSeconds() }), this.heartbeatMs);
      heartbeat.unref();
      const end = (): void => {
        if (closed) return;
        closed = true;
        unsubscribe();
        clearInterval(heartbeat);
        this.open.delete(res);
      };
      res.on('close', end);
      // The first bytes at once: the client sees the stream open (and which master it is on).
      write(`retry: 2000\nevent: hello\ndata: ${JSON.stringify({ masterId: this.master.masterId, at: nowSeconds() })}\n\n`);
    });
  }

  /** Ends every open stream (the HTTP server is closing). */
  closeAll(): void {
    for (const res of this.open) res.end();
    this.open.clear();
  }
}
