import { percent } from '../format';

/** A labelled bar of how much of something is used; the bar is drawn, the words and percentage are read. */
export function Meter({ label, used, total, text }: { label: string; used: number | undefined; total: number | undefined; text: string }) {
  const pct = percent(used, total);
  const level = pct >= 90 ? 'high' : pct >= 70 ? 'mid' : 'low';
  return (
    <div class="meter">
      <span class="meter-label">{label}</span>
      <div class={`meter-track ${level}`} aria-hidden="true">
        <div class="meter-fill" style={{ width: `${pct}%` }} />
      </div>
      <span class="meter-text">
        {text}
        <span class="visually-hidden"> ({Math.round(pct)}% used)</span>
      </span>
    </div>
  );
}
