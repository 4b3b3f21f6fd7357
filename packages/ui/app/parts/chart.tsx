import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { UtilisationSample } from '../api';

/** Cluster utilisation over time (cpus and memory used, as % of what agents offer), drawn by uPlot. */
export function UtilisationChart({ samples }: { samples: readonly UtilisationSample[] }) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | undefined>(undefined);
  const data = (): uPlot.AlignedData => [
    samples.map((s) => s.at),
    samples.map((s) => pct(s.allocated.cpus, s.total.cpus)),
    samples.map((s) => pct(s.allocated.mem, s.total.mem)),
  ];
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const width = () => Math.max(240, el.clientWidth);
    // The canvas takes colours, not CSS variables: the page's own text and line colours (light or dark).
    const css = getComputedStyle(el);
    const text = css.getPropertyValue('--text').trim() || '#1d2330';
    const line = css.getPropertyValue('--line').trim() || '#dde1e8';
    const axis = { stroke: text, grid: { stroke: line, width: 1 }, ticks: { stroke: line, width: 1 } };
    const p = new uPlot(
      {
        width: width(),
        height: 200,
        scales: { y: { range: [0, 100] } },
        axes: [axis, { ...axis, values: (_u, vals) => vals.map((v) => `${v}%`) }],
        series: [{}, { label: 'CPU', stroke: '#2a6fdb', width: 2 }, { label: 'Memory', stroke: '#18a058', width: 2 }],
      },
      data(),
      el,
    );
    plot.current = p;
    const resize = new ResizeObserver(() => p.setSize({ width: width(), height: 200 }));
    resize.observe(el);
    return () => {
      resize.disconnect();
      p.destroy();
      plot.current = undefined;
    };
  }, []);
  useEffect(() => {
    plot.current?.setData(data());
  });
  const last = samples[samples.length - 1];
  return (
    <figure class="chart">
      <div ref={box} class="chart-box" aria-hidden="true" />
      <figcaption>
        Utilisation over time{' '}
        {last ? `(now: CPU ${Math.round(pct(last.allocated.cpus, last.total.cpus))}%, memory ${Math.round(pct(last.allocated.mem, last.total.mem))}%)` : ''}
      </figcaption>
    </figure>
  );
}

function pct(part: number | undefined, whole: number | undefined): number {
  return whole ? ((part ?? 0) / whole) * 100 : 0;
}
