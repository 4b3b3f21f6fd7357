import { useState } from 'preact/hooks';
import { ApiError } from '../api';

/** A JSON definition to send (deploy an app, create a job): parsed here first, the service's own errors shown as they come. */
export function JsonEditor({
  label,
  initial,
  submit,
  onDone,
}: {
  label: string;
  initial: string;
  submit: (body: unknown) => Promise<unknown>;
  onDone: () => void;
}) {
  const [text, setText] = useState(initial);
  const [problem, setProblem] = useState<string | undefined>(undefined);
  const [busy, setBusy] = useState(false);
  return (
    <form
      class="json-editor"
      aria-label={label}
      onSubmit={(e) => {
        e.preventDefault();
        let body: unknown;
        try {
          body = JSON.parse(text);
        } catch (err) {
          setProblem(`not JSON: ${(err as Error).message}`);
          return;
        }
        setBusy(true);
        setProblem(undefined);
        submit(body).then(
          () => {
            setBusy(false);
            onDone();
          },
          (err: unknown) => {
            setBusy(false);
            setProblem(err instanceof ApiError && err.field ? `${err.field}: ${err.message}` : String((err as Error).message ?? err));
          },
        );
      }}
    >
      <label>
        {label} (JSON)
        <textarea rows={10} spellcheck={false} value={text} onInput={(e) => setText((e.target as HTMLTextAreaElement).value)} />
      </label>
      <button type="submit" disabled={busy}>
        {label}
      </button>
      {problem ? (
        <p class="error" role="alert">
          {problem}
        </p>
      ) : null}
    </form>
  );
}
