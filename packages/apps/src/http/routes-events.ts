import type { SseStreams } from '@tandem/protocol';
import type { FastifyInstance } from 'fastify';
import type { AppsEvent } from '../events/event-bus.js';
import { listOf, type Query, type RouteContext } from './route-context.js';
import { wantsTandem } from './tandem-opt-in.js';

/** Fields Tandem's events carry beyond Marathon's, sent on `/v2/events?embed=tandem` only. */
const TANDEM_EVENT_FIELDS: Readonly<Record<string, readonly string[]>> = {
  health_status_changed_event: ['taskId'],
};

/** The event as Marathon sends it: without Tandem's own fields. */
function marathonEvent(e: AppsEvent): AppsEvent {
  const extra = TANDEM_EVENT_FIELDS[e.eventType];
  if (!extra) return e;
  const shown: AppsEvent = { ...e };
  for (const field of extra) delete shown[field];
  return shown;
}

/** `GET /v2/events`: Server-Sent Events, `event_type` filters (repeatable or comma-separated); `embed=tandem` adds Tandem's fields. */
export function eventRoutes(http: FastifyInstance, ctx: RouteContext, streams: SseStreams): void {
  http.get('/v2/events', (req, reply) => {
    const q = req.query as Query;
    const types = new Set(listOf(q, 'event_type'));
    const tandem = wantsTandem(q);
    reply.hijack();
    const sse = streams.open(reply.raw);
    const send = (e: AppsEvent): void => sse.send(e.eventType, tandem ? e : marathonEvent(e));
    sse.onClose(ctx.events.subscribe(send, types));
    const attached = { eventType: 'event_stream_attached', timestamp: new Date().toISOString(), remoteAddress: req.ip };
    if (types.size === 0 || types.has('event_stream_attached')) send(attached);
    else sse.comment(); // flush the headers: clients see the stream open at once
  });
}
