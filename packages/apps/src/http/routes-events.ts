import type { ServerResponse } from 'node:http';
import type { FastifyInstance } from 'fastify';
import type { AppsEvent } from '../events/event-bus.js';
import { listOf, type Query, type RouteContext } from './route-context.js';

/** Open SSE streams, ended by the server's shutdown. */
export type SseStreams = Set<ServerResponse>;

const KEEPALIVE_MS = 15_000;

/** `GET /v2/events`: Server-Sent Events, `event_type` filters (repeatable or comma-separated). */
export function eventRoutes(http: FastifyInstance, ctx: RouteContext, streams: SseStreams): void {
  http.get('/v2/events', (req, reply) => {
    const types = new Set(listOf(req.query as Query, 'event_type'));
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
    const send = (e: AppsEvent): void => {
      res.write(`event: ${e.eventType}\ndata: ${JSON.stringify(e)}\n\n`);
    };
    streams.add(res);
    const unsubscribe = ctx.events.subscribe(send, types);
    const attached = { eventType: 'event_stream_attached', timestamp: new Date().toISOString(), remoteAddress: req.ip };
    if (types.size === 0 || types.has('event_stream_attached')) send(attached);
    else res.write(':\n\n'); // flush the headers: clients see the stream open at once
    const keepalive = setInterval(() => res.write(':\n\n'), KEEPALIVE_MS);
    keepalive.unref();
    res.on('close', () => {
      clearInterval(keepalive);
      unsubscribe();
      streams.delete(res);
    });
  });
}
