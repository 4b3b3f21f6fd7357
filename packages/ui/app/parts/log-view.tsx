import { useEffect, useRef, useState } from 'preact/hooks';

/** Characters kept on screen; older output is dropped from the top. */
const KEPT_CHARS = 512 * 1024;

type Status = 'connecting' | 'following' | 'ended' | 'failed';

/**
 * A task's stdout or stderr, followed live over the master's log stream
 * (`/api/v1/tasks/:id/logs/stream`, Server-Sent Events) until the task ends.
 */
export function LogView({ taskId }: { taskId: string }) {
  const [name, setName] = useState<'stdout' | 'stderr'>('stdout');
  const [text, setText] = useState('');
  const [status, setStatus] = useState<Status>('connecting');
  const [problem, setProblem] = useState<string | undefined>(undefined);
  const [follow, setFollow] = useState(true);
  const pre = useRef<HTMLPreElement>(null);
  useEffect(() => {
    setText('');
    setStatus('connecting');
    setProblem(undefined);
    const source = new EventSource(`/api/v1/tasks/${encodeURIComponent(taskId)}/logs/stream?name=${name}`);
    source.addEventListener('data', (msg) => {
      const chunk = JSON.parse((msg as MessageEvent<string>).data) as { text: string };
      setStatus('following');
      setText((old) => {
        const all = old + chunk.text;
        return all.length > KEPT_CHARS ? all.slice(all.length - KEPT_CHARS) : all;
      });
    });
    source.addEventListener('eof', () => {
      setStatus('ended');
      source.close();
    });
    source.addEventListener('error', (msg) => {
      const data = (msg as MessageEvent<string>).data;
      if (typeof data === 'string') {
        setProblem((JSON.parse(data) as { message: string }).message);
        setStatus('failed');
        source.close();
      }
    });
    source.onopen = () => setStatus((s) => (s === 'connecting' ? 'following' : s));
    // An answer that is not a stream (404: no such task, 403: not yours) closes it at once.
    source.onerror = () => {
      if (source.readyState === EventSource.CLOSED) setStatus((s) => (s === 'ended' ? s : 'failed'));
    };
    return () => source.close();
  }, [taskId, name]);
  useEffect(() => {
    if (follow && pre.current) pre.current.scrollTop = pre.current.scrollHeight;
  }, [text, follow]);
  return (
    <section class="logs" aria-labelledby="logs-h">
      <h2 id="logs-h">Logs</h2>
      <div class="log-bar">
        <fieldset class="log-files">
          <legend class="visually-hidden">Log file</legend>
          {(['stdout', 'stderr'] as const).map((n) => (
            <button key={n} type="button" aria-pressed={name === n} class={name === n ? 'tab on' : 'tab'} onClick={() => setName(n)}>
              {n}
            </button>
          ))}
        </fieldset>
        <label class="inline">
          <input type="checkbox" checked={follow} onChange={(e) => setFollow((e.target as HTMLInputElement).checked)} /> Follow
        </label>
        <span class={`log-status ${status}`} role="status" data-testid="log-status">
          {status === 'connecting'
            ? 'connecting…'
            : status === 'following'
              ? 'live'
              : status === 'ended'
                ? 'task ended'
                : `unavailable${problem ? `: ${problem}` : ''}`}
        </span>
      </div>
      {/* biome-ignore lint/a11y/noNoninteractiveTabindex: a scrolling region must take the keyboard focus to be scrolled without a mouse */}
      <pre ref={pre} class="log" tabIndex={0} title={`${name} of task ${taskId}`} data-testid="log-text">
        {text || (status === 'ended' ? '(empty)' : '')}
      </pre>
    </section>
  );
}
