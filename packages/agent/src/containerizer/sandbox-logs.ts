import { once } from 'node:events';
import { constants, createWriteStream, type WriteStream } from 'node:fs';
import { type FileHandle, open } from 'node:fs/promises';
import { join } from 'node:path';

export type SandboxStream = 'stdout' | 'stderr';

// O_NOFOLLOW: a task that can write its sandbox must not turn stdout into a symlink
// that makes the agent append to some other file.
const APPEND_FLAGS = constants.O_WRONLY | constants.O_CREAT | constants.O_APPEND | constants.O_NOFOLLOW;

/** Opens `sandboxDir/<name>` for appending (created if missing, symlinks refused). */
export function openSandboxFile(sandboxDir: string, name: SandboxStream): Promise<FileHandle> {
  return open(join(sandboxDir, name), APPEND_FLAGS, 0o644);
}

/**
 * A task's `stdout` and `stderr` files, appended to from Docker's multiplexed stream
 * (8-byte frame headers: stream type, 3 zero bytes, big-endian length).
 */
export class SandboxLogs {
  private constructor(
    private readonly out: WriteStream,
    private readonly err: WriteStream,
  ) {}

  static async open(sandboxDir: string): Promise<SandboxLogs> {
    const [out, err] = await Promise.all([openSandboxFile(sandboxDir, 'stdout'), openSandboxFile(sandboxDir, 'stderr')]);
    return new SandboxLogs(createWriteStream('', { fd: out }), createWriteStream('', { fd: err }));
  }

  /**
   * Copies a Docker multiplexed stream into the files until it ends, with backpressure.
   * Resolves once everything read is written; then closes the files.
   */
  async copyMultiplexed(source: NodeJS.ReadableStream): Promise<void> {
    let pending = Buffer.alloc(0);
    try {
      for await (const chunk of source as AsyncIterable<Buffer | string>) {
        pending = pending.length === 0 ? Buffer.from(chunk) : Buffer.concat([pending, Buffer.from(chunk)]);
        while (pending.length >= 8) {
          const size = pending.readUInt32BE(4);
          if (pending.length < 8 + size) break;
          const type = pending[0];
          const payload = pending.subarray(8, 8 + size);
          pending = pending.subarray(8 + size);
          await this.write(type === 2 ? this.err : this.out, payload);
        }
      }
    } finally {
      await this.close();
    }
  }

  private async write(stream: WriteStream, data: Buffer): Promise<void> {
    if (!stream.write(data)) await once(stream, 'drain');
  }

  /** Flushes and closes both files. Safe to call twice. */
  async close(): Promise<void> {
    await Promise.all([this.out, this.err].map((s) => (s.closed ? undefined : new Promise<void>((resolve) => s.end(() => resolve())))));
  }
}
