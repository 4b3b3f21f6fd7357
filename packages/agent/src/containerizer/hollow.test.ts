import { describe, expect, it } from 'vitest';
import { launchSpec } from '../test-support/launch-spec.js';
import { HollowContainerizer, HollowRegistry } from './hollow.js';

describe('hollow containerizer', () => {
  it('hollow - a task runs for HOLLOW_DURATION_MS and exits 0, with no process', async () => {
    const c = new HollowContainerizer();
    expect(c.name).toBe('hollow');
    expect(await c.available()).toBe(true);
    const started = Date.now();
    const container = await c.launch(await launchSpec({ agentId: 'a1', taskId: 't1', shell: 'true', env: { HOLLOW_DURATION_MS: '30' } }));
    const exit = await container.wait();
    expect(exit).toMatchObject({ exitCode: 0, oomKilled: false });
    expect(Date.now() - started).toBeGreaterThanOrEqual(25);
  });

  it('hollow - the duration may come from a label, the exit code from HOLLOW_EXIT_CODE', async () => {
    const c = new HollowContainerizer();
    const spec = await launchSpec({ agentId: 'a1', taskId: 't2', shell: 'true', env: { HOLLOW_EXIT_CODE: '3' } });
    spec.task.labels = [{ key: 'hollow.duration_ms', value: '5' }];
    expect((await (await c.launch(spec)).wait()).exitCode).toBe(3);
  });

  it('hollow - without a duration a task runs until killed; kill ends it with 143 at once', async () => {
    const c = new HollowContainerizer();
    const container = await c.launch(await launchSpec({ agentId: 'a1', taskId: 't3', shell: 'true' }));
    let ended = false;
    void container.wait().then(() => {
      ended = true;
    });
    await new Promise((r) => setTimeout(r, 20));
    expect(ended).toBe(false);
    await container.kill(60_000);
    expect((await container.wait()).exitCode).toBe(143);
    await container.destroy();
  });

  it('hollow - the default duration applies when the task names none', async () => {
    const c = new HollowContainerizer({ defaultDurationMs: 1 });
    const container = await c.launch(await launchSpec({ agentId: 'a1', taskId: 't4', shell: 'true' }));
    expect((await container.wait()).exitCode).toBe(0);
  });

  it('hollow - a launch aborted before it starts rejects', async () => {
    const c = new HollowContainerizer();
    const abort = new AbortController();
    abort.abort(new Error('killed'));
    await expect(c.launch(await launchSpec({ agentId: 'a1', taskId: 't5', shell: 'true' }), abort.signal)).rejects.toThrow();
  });

  it('hollow - recover finds nothing without a registry, and the running containers with one', async () => {
    const spec = await launchSpec({ agentId: 'a1', taskId: 't6', frameworkId: 'fw-1', shell: 'true' });
    const plain = new HollowContainerizer();
    await plain.launch(spec);
    expect((await new HollowContainerizer().recover('a1', [{ taskId: 't6', frameworkId: 'fw-1', sandboxDir: '' }])).size).toBe(0);

    const registry = new HollowRegistry();
    const first = new HollowContainerizer({ registry });
    const container = await first.launch(spec);
    const again = new HollowContainerizer({ registry });
    const back = await again.recover('a1', [{ taskId: 't6', frameworkId: 'fw-1', sandboxDir: '' }]);
    expect(back.get('t6')).toBe(container);
    expect(await again.recover('a2', [{ taskId: 't6', frameworkId: 'fw-1', sandboxDir: '' }])).toEqual(new Map());
    expect(await again.orphans('a1', new Set())).toEqual([container.id]);
    expect(await again.orphans('a1', new Set([container.id]))).toEqual([]);
    await container.destroy();
    expect(registry.size).toBe(0);
  });
});
