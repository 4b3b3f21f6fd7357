import { count } from '../format';

/** Previous / next over a server-side page (`offset`, `limit` of `total`). */
export function Pager({ offset, limit, total, onOffset, what }: { offset: number; limit: number; total: number; onOffset: (o: number) => void; what: string }) {
  const last = Math.max(0, total - 1);
  const first = total === 0 ? 0 : offset + 1;
  const end = Math.min(total, offset + limit);
  return (
    <nav class="pager" aria-label={`${what} pages`}>
      <button type="button" disabled={offset === 0} onClick={() => onOffset(Math.max(0, offset - limit))}>
        ← Previous
      </button>
      <span aria-live="polite">
        {count(first)}–{count(end)} of {count(total)} {what}
      </span>
      <button type="button" disabled={offset + limit > last} onClick={() => onOffset(offset + limit)}>
        Next →
      </button>
    </nav>
  );
}
