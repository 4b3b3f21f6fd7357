import { describe, expect, it } from 'vitest';
import type { AgentTask } from '../agent-task.js';
import { SandboxHook } from './sandbox-hook.js';

describe('sandbox hook', () => {
  it('sandbox-hook - remembers the sandboxes of the last 1000 forgotten tasks, the oldest going first', async () => {
    const hook = new SandboxHook();
    for (let i = 0; i < 1001; i++) await hook.done({ frameworkId: 'f', taskId: `t${i}` }, { sandboxDir: `/s/${i}` } as AgentTask);
    expect(hook.knows('f/t0')).toBe(false);
    expect(hook.knows('f/t1')).toBe(true);
    expect(hook.sandboxOf('t1000')).toBe('/s/1000');
    expect(hook.sandboxOf('t0')).toBeUndefined();
  });
});
