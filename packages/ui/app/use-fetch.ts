import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { getJson } from './api';

export interface Fetched<T> {
  data: T | undefined;
  error: Error | undefined;
  loading: boolean;
  reload: () => void;
}

/** GETs `path` (again whenever it changes, or on `reload`); an older answer never overwrites a newer one. */
export function useFetch<T>(path: string | undefined): Fetched<T> {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<Error | undefined>(undefined);
  const [loading, setLoading] = useState(false);
  const generation = useRef(0);
  const controller = useRef<AbortController | undefined>(undefined);
  const reload = useCallback(() => {
    if (!path) return;
    const mine = ++generation.current;
    controller.current?.abort();
    const ac = new AbortController();
    controller.current = ac;
    setLoading(true);
    getJson<T>(path, ac.signal).then(
      (d) => {
        if (mine !== generation.current) return;
        setData(d);
        setError(undefined);
        setLoading(false);
      },
      (err: unknown) => {
        if (mine !== generation.current || ac.signal.aborted) return;
        setError(err instanceof Error ? err : new Error(String(err)));
        setLoading(false);
      },
    );
  }, [path]);
  useEffect(() => {
    reload();
    return () => controller.current?.abort();
  }, [reload]);
  return { data, error, loading, reload };
}
