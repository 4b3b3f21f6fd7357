/**
 * Resolves on the first SIGINT or SIGTERM (with its name); a second one exits at once
 * with 130, for when the ordered stop hangs. `dispose()` removes the listeners.
 */
export function shutdownSignal(onSecond: () => void = () => process.exit(130)): {
  received: Promise<NodeJS.Signals>;
  dispose: () => void;
} {
  let count = 0;
  let resolve!: (s: NodeJS.Signals) => void;
  const received = new Promise<NodeJS.Signals>((r) => {
    resolve = r;
  });
  const handler = (signal: NodeJS.Signals): void => {
    count += 1;
    if (count === 1) resolve(signal);
    else onSecond();
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return {
    received,
    dispose: () => {
      process.off('SIGINT', handler);
      process.off('SIGTERM', handler);
    },
  };
}
