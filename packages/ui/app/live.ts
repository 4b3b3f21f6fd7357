import { useEffect, useRef, useState } from 'preact/hooks';

/** One event off the master's `/api/v1/events` stream. */
export interface LiveEvent {
  seq: number;
  kind: string;
  /** Seconds since the epoch, when the browser received it. */
  at: number;
  data: unknown;
}

type Listener = (e: LiveEvent) => void;

const KEPT = 500;

/**
 * The one EventSource of the page: every view listens to it and refreshes the little it
 * shows (a page of rows, the counts), never the whole cluster. The browser reconnects it
 * when it drops (the master sends `retry: 2000`).
 */
class LiveFeed {
  private source: EventSource | undefined;
  private readonly listeners = new Set<Listener>();
  private seq = 0;
  /** The newest events, oldest first (the events page shows them). */
  readonly recent: LiveEvent[] = [];
  connected = false;
  private readonly statusListeners = new Set<(up: boolean) => void>();

  private start(): void {
    if (this.source) return;
    const source = new EventSource('/api/v1/events');
    this.source = source;
    const kinds = [
      'hello',
      'task_added',
      'task_updated',
      'agent_added',
      'agent_removed',
      'agent_unreachable',
      'agent_drain',
      'framework_added',
      'framework_removed',
      'heartbeat',
    ];
    const on = (kind: string) => (msg: MessageEvent<string>) => this.deliver(kind, msg.data);
    for (const kind of kinds) source.addEventListener(kind, on(kind));
    // Kinds this page does not name (added to the master later) still arrive here when sent without a name.
    source.onmessage = (msg) => this.deliver('message', msg.data);
    source.onopen = () => this.setConnected(true);
    source.onerror = () => this.setConnected(false);
  }

  /** Listens to kinds the master added after this list was written (drain, maintenance, ...). */
  listenKind(kind: string): void {
    this.start();
    this.source?.addEventListener(kind, (msg) => this.deliver(kind, (msg as MessageEvent<string>).data));
  }

  private setConnected(up: boolean): void {
    this.connected = up;
    for (const l of this.statusListeners) l(up);
  }

  private hellos = 0;

  private deliver(kind: string, raw: string): void {
    // The first `hello` opens the stream; a later one follows a reconnection (events may have been missed).
    if (kind === 'hello' && this.hellos++ === 0) kind = 'connected';
    let data: unknown;
    try {
      data = JSON.parse(raw);
    } catch {
      data = raw;
    }
    const e: LiveEvent = { seq: ++this.seq, kind, at: Date.now() / 1000, data };
    if (kind !== 'heartbeat' && kind !== 'hello' && kind !== 'connected') {
      this.recent.push(e);
      if (this.recent.length > KEPT) this.recent.splice(0, this.recent.length - KEPT);
    }
    for (const l of this.listeners) l(e);
  }

  subscribe(l: Listener): () => void {
    this.start();
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }

  onStatus(l: (up: boolean) => void): () => void {
    this.start();
    this.statusListeners.add(l);
    return () => this.statusListeners.delete(l);
  }
}

export const feed = new LiveFeed();

/**
 * Calls `refresh` when events of `kinds` arrive: at once for the first, then at most once
 * a second while they keep coming (a burst of 10,000 updates is one or two fetches).
 */
export function useLiveRefresh(kinds: readonly string[], refresh: () => void): void {
  const latest = useRef(refresh);
  latest.current = refresh;
  const key = kinds.join(',');
  useEffect(() => {
    const wanted = new Set(key.split(','));
    let last = 0;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const run = () => {
      timer = undefined;
      last = Date.now();
      latest.current();
    };
    const off = feed.subscribe((e) => {
      // `hello` comes again after a reconnection: events may have been missed, so refresh too.
      if (!wanted.has(e.kind) && e.kind !== 'hello') return;
      if (timer) return;
      const wait = Math.max(0, 1000 - (Date.now() - last));
      timer = setTimeout(run, wait);
    });
    return () => {
      off();
      if (timer) clearTimeout(timer);
    };
  }, [key]);
}

/** Whether the event stream is up, for the header's indicator. */
export function useLiveStatus(): boolean {
  const [up, setUp] = useState(feed.connected);
  useEffect(() => feed.onStatus(setUp), []);
  return up;
}
