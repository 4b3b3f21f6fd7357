/** One event as Marathon's event bus carries it: `eventType`, `timestamp`, then its fields. */
export interface AppsEvent {
  eventType: string;
  timestamp: string;
  [field: string]: unknown;
}

export type EventListener = (event: AppsEvent) => void;

/**
 * In-process fan-out of Marathon events (to SSE clients and tests). No ordering
 * guarantee across listeners is promised, as in Marathon; a throwing listener is dropped.
 */
export class EventBus {
  private readonly listeners = new Map<EventListener, ReadonlySet<string> | undefined>();

  /** Listens to every event, or only to `types`. Returns the unsubscribe function. */
  subscribe(listener: EventListener, types?: ReadonlySet<string>): () => void {
    this.listeners.set(listener, types && types.size > 0 ? types : undefined);
    return () => {
      this.listeners.delete(listener);
    };
  }

  emit(eventType: string, fields: Record<string, unknown> = {}): AppsEvent {
    const event: AppsEvent = { eventType, timestamp: new Date().toISOString(), ...fields };
    for (const [listener, types] of this.listeners) {
      if (types && !types.has(eventType)) continue;
      try {
        listener(event);
      } catch {
        this.listeners.delete(listener);
      }
    }
    return event;
  }

  get size(): number {
    return this.listeners.size;
  }
}
