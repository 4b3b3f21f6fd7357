/** The inner map of `outer` under `key`, created when absent. */
export function mapOf<K, V, K2>(outer: Map<K, Map<K2, V>>, key: K): Map<K2, V> {
  let inner = outer.get(key);
  if (!inner) {
    inner = new Map();
    outer.set(key, inner);
  }
  return inner;
}

/** An instant (ms since the epoch) as an ISO-8601 string, the form runs and schedules store. */
export const iso = (ms: number): string => new Date(ms).toISOString();
