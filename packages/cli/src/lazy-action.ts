/**
 * A command's action that imports its module only when the command runs, so building the
 * command tree (for `--help`, completion, or to run one command) loads no heavy library:
 * `.action(lazy(() => import('./x-action.js'), (m, id: string) => m.runX(ctx, cmd, id)))`.
 * The command's definition (names, flags, help text) stays in its light file.
 */
export function lazy<M, A extends unknown[]>(load: () => Promise<M>, run: (module: M, ...args: A) => unknown): (...args: A) => Promise<void> {
  return async (...args: A) => {
    await run(await load(), ...args);
  };
}
