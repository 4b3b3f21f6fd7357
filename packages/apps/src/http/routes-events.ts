import type { SseStreams } from '@tandem/protocol';
import type { FastifyInstance } from 'fastify';
import type { AppsEvent } from '../events/event-bus.js';
import { listOf, type Query, type RouteContext } from './route-context.js';

/** `GET /v2/events`: Server-Sent Events, `event_type` filters (repeatable or comma-separated). */
export function eventRoutes(http: FastifyInstance, ctx: RouteContext, streams: SseStreams): void {
  http.get('/v2/events', (req, reply) => {
    const types = new Set(listOf(req.query as Query, 'event_type'));
    reply.hijack();
    const sse = streams.open(reply.raw);
    const send = (e: AppsEvent): void => sse.send(e.eventType, e);
    sse.onClose(ctx.events.subscribe(send, types));
    const attached = { eventType: 'event_stream_attached', timestamp: new Date().toISOString(), remoteAddress: req.ip };
    if (types.size === 0 || types.has('event_stream_attached')) send(attached);
    else sse.comment(); // flush the headers: clients see the stream open at once
  });
}
