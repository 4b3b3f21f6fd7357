/**
 * In-process fan-out of events to any number of listeners (the SSE streams of the apps
 * and jobs APIs, and tests). A listener may ask for some event types only; `typeOf`
 * reads an event's type. A listener that throws is dropped. No order across listeners
 * is promised.
 */
export class EventBus<E> {
  private readonly listeners = new Map<(event: E) => void, ReadonlySet<string> | undefined>();

  constructor(private readonly typeOf: (event: E) => string) {}

  /** Listens to every event, or only to `types` (an empty set: every event). Returns the unsubscribe function. */
  subscribe(listener: (event: E) => void, types?: ReadonlySet<string>): () => void {
    this.listeners.set(listener, types && types.size > 0 ? types : undefined);
    return () => {
      this.listeners.delete(listener);
    };
  }

  publish(event: E): void {
    const type = this.typeOf(event);
    for (const [listener, types] of this.listeners) {
      if (types && !types.has(type)) continue;
      try {
        listener(event);
      } catch {
        this.listeners.delete(listener);
      }
    }
  }

  get size(): number {
    return this.listeners.size;
  }
}
