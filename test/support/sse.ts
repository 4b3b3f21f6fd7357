/** One Server-Sent Event as read off a stream. */
export interface SseEvent {
  event: string;
  data: string;
}

export interface SseReader {
  readonly status: number;
  readonly headers: Headers;
  /** Every event so far, in order. */
  readonly events: SseEvent[];
  /** Resolves once the server has ended the stream. */
  readonly ended: Promise<void>;
  close(): void;
}

/** Opens `url` as an event stream (fetch, no reconnection) and collects its events. */
export async function openSse(url: string, headers: Record<string, string> = {}): Promise<SseReader> {
  const ac = new AbortController();
  const res = await fetch(url, { headers: { accept: 'text/event-stream', ...headers }, signal: ac.signal });
  const events: SseEvent[] = [];
  const ended = (async () => {
    if (!res.body) return;
    const decoder = new TextDecoder();
    let buf = '';
    try {
      for await (const chunk of res.body) {
        buf += decoder.decode(chunk as Uint8Array, { stream: true });
        let cut = buf.indexOf('\n\n');
        while (cut >= 0) {
          const block = buf.slice(0, cut);
          buf = buf.slice(cut + 2);
          let event = 'message';
          const data: string[] = [];
          for (const line of block.split('\n')) {
            if (line.startsWith('event: ')) event = line.slice(7);
            else if (line.startsWith('data: ')) data.push(line.slice(6));
          }
          if (data.length > 0) events.push({ event, data: data.join('\n') });
          cut = buf.indexOf('\n\n');
        }
      }
    } catch {
      // aborted by close()
    }
  })();
  return { status: res.status, headers: res.headers, events, ended, close: () => ac.abort() };
}
