import { EventBus as SharedEventBus } from '@tandem/protocol';
import type { MarathonEventType } from './marathon-event-types.js';

/** One event as Marathon's event bus carries it: `eventType`, `timestamp`, then its fields. */
export interface AppsEvent {
  eventType: string;
  timestamp: string;
  [field: string]: unknown;
}

/** The apps framework's Marathon events (to SSE clients and tests), on the shared `EventBus`. */
export class EventBus extends SharedEventBus<AppsEvent> {
  constructor() {
    super((e) => e.eventType);
  }

  /** Publishes an event of `eventType` (one of Marathon's) stamped now, with `fields`; returns it. */
  emit(eventType: MarathonEventType, fields: Record<string, unknown> = {}): AppsEvent {
    const event: AppsEvent = { eventType, timestamp: new Date().toISOString(), ...fields };
    this.publish(event);
    return event;
  }
}
