import type { CliIo } from '../cli-io.js';
import { main } from '../main.js';

/** A shutdown signal that never comes: the command under test runs until it returns. */
export const neverSignal = () => ({ received: new Promise<NodeJS.Signals>(() => {}), dispose: () => {} });

/** A CliIo that keeps what a command prints. */
export function captureIo(): CliIo & { out: () => string; err: () => string } {
  let out = '';
  let err = '';
  const text = (t: string | Uint8Array): string => (typeof t === 'string' ? t : Buffer.from(t).toString());
  return {
    stdout: (t) => {
      out += text(t);
    },
    stderr: (t) => {
      err += text(t);
    },
    out: () => out,
    err: () => err,
  };
}

/** Runs `tandem ARGS...` in this process: its exit code and what it printed. */
export async function runCli(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const io = captureIo();
  const code = await main(['node', 'tandem', ...args], { io, shutdownSignal: neverSignal });
  return { code, out: io.out(), err: io.err() };
}
