/** The longest delay setTimeout honours; longer ones fire after 1 ms. */
const MAX_TIMEOUT_MS = 2_147_483_647;

/** A timer that may run longer than setTimeout's ~24.8 days. */
export interface LongTimeout {
  clear(): void;
}

/**
 * Like setTimeout (unref'd), but correct for any delay: a framework's failover
 * timeout of four weeks, as Mesos recommends, must not fire at once.
 */
export function setLongTimeout(fn: () => void, ms: number): LongTimeout {
  let timer: NodeJS.Timeout | undefined;
  const due = Date.now() + Math.max(0, ms);
  const arm = (): void => {
    const left = due - Date.now();
    if (left <= 0) {
      timer = undefined;
      fn();
      return;
    }
    timer = setTimeout(arm, Math.min(left, MAX_TIMEOUT_MS));
    timer.unref();
  };
  arm();
  return {
    clear: () => {
      clearTimeout(timer);
      timer = undefined;
    },
  };
}
