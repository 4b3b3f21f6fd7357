import { describe, expect, it } from 'vitest';
import type { CliIo } from './cli-io.js';
import { main } from './main.js';

// tandem agent's process task user flags: documented, and a bad value fails before the agent starts, naming the flag.

const neverSignal = () => ({ received: new Promise<NodeJS.Signals>(() => {}), dispose: () => {} });
async function run(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const text = (t: string | Uint8Array): string => (typeof t === 'string' ? t : Buffer.from(t).toString());
  const io: CliIo = {
    stdout: (t) => {
      out += text(t);
    },
    stderr: (t) => {
      err += text(t);
    },
  };
  const code = await main(['node', 'tandem', ...args], { io, shutdownSignal: neverSignal });
  return { code, out, err };
}

describe('tandem agent task user flags', () => {
  it('task user flags - --help documents --task-user and --allow-root-tasks with their env vars', async () => {
    const flat = (await run('agent', '--help')).out.replace(/\s+/g, ' ');
    for (const f of ['--task-user', 'TANDEM_TASK_USER', '--allow-root-tasks', 'TANDEM_ALLOW_ROOT_TASKS']) expect(flat).toContain(f);
  });

  it('task user flags - a --task-user that is not a user name is an error naming the flag', async () => {
    const r = await run('agent', '--master', '127.0.0.1:1', '--task-user', 'a b');
    expect(r.code).toBe(1);
    expect(r.err).toContain('--task-user');
    expect(r.err).toContain('must be a user name');
  });
});
