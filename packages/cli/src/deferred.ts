/** A promise with its resolve function outside; settles once. */
export interface Deferred<T> {
  promise: Promise<T>;
  resolve: (value: T) => void;
  settled: () => boolean;
}

export function deferred<T>(): Deferred<T> {
  let done = false;
  let resolveFn!: (value: T) => void;
  const promise = new Promise<T>((r) => {
    resolveFn = r;
  });
  return {
    promise,
    resolve: (value) => {
      if (done) return;
      done = true;
      resolveFn(value);
    },
    settled: () => done,
  };
}
