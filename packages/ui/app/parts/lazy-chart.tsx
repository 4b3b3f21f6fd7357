import type { FunctionComponent } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import type { UtilisationSample } from '../api';

type Chart = FunctionComponent<{ samples: readonly UtilisationSample[] }>;
let loaded: Chart | undefined;

/** The utilisation chart, its code (uPlot) loaded after the page's numbers are on screen. */
export function LazyChart({ samples }: { samples: readonly UtilisationSample[] }) {
  const [Chart, setChart] = useState<Chart | undefined>(() => loaded);
  useEffect(() => {
    if (loaded) return;
    let live = true;
    void import('./chart').then((m) => {
      loaded = m.UtilisationChart;
      if (live) setChart(() => m.UtilisationChart);
    });
    return () => {
      live = false;
    };
  }, []);
  return Chart ? <Chart samples={samples} /> : <div class="chart chart-placeholder" aria-hidden="true" />;
}
