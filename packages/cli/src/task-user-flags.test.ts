import { describe, expect, it } from 'vitest';
import { runCli } from './test-support/run-cli.js';

// tandem agent's process task user flags: documented, and a bad value fails before the agent starts, naming the flag.

const run = runCli;

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
