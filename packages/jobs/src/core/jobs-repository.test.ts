import { createLogger } from '@tandem/protocol';
import { MemoryStore } from '@tandem/store';
import { describe, expect, it } from 'vitest';
import { runSpecSchema } from '../spec/job-spec.js';
import type { JobRun } from './job-run.js';
import { JobsRepository } from './jobs-repository.js';
import { keys } from './store-keys.js';

const log = createLogger();

function run(id = 'r1'): JobRun {
  return {
    id,
    jobId: 'j',
    status: 'INITIAL',
    createdAt: '2024-01-01T00:00:00.000Z',
    trigger: { type: 'manual' },
    spec: runSpecSchema.parse({ cmd: 'true', env: { BIG: 'x'.repeat(1000) } }),
    tasks: [],
    succeeded: [],
  };
}

/** A store that counts the puts of each key. */
function countingStore(): { store: MemoryStore; puts: Map<string, number> } {
  const store = new MemoryStore();
  const puts = new Map<string, number>();
  const put = store.put.bind(store);
  store.put = (key, value, options) => {
    puts.set(key, (puts.get(key) ?? 0) + 1);
    return put(key, value, options);
  };
  return { store, puts };
}

describe('jobs repository', () => {
  it('jobs repository - a run spec is written once; the run record rewritten on updates holds no spec', async () => {
    const { store, puts } = countingStore();
    const repo = new JobsRepository(store, log);
    const r = run();
    await repo.addRun(r);
    r.tasks.push({ id: 'j_r1_0_1', index: 0, attempt: 1, status: 'TASK_STAGING', agentId: 'a', launchedAt: '' });
    repo.indexTask('j_r1_0_1', r);
    await repo.persist(r);
    await repo.persist(r);
    expect(puts.get(keys.runSpec('j', 'r1'))).toBe(1);
    expect(puts.get(keys.run('j', 'r1'))).toBe(3);
    const record = (await store.get<Record<string, unknown>>(keys.run('j', 'r1')))?.value;
    expect(record).toBeDefined();
    expect(record?.spec).toBeUndefined();
    expect((await store.get(keys.runSpec('j', 'r1')))?.value).toEqual(r.spec);

    const again = new JobsRepository(store, log);
    await again.load();
    expect(again.runs.get('j')?.get('r1')).toEqual(r);
    expect(again.runOfTask('j_r1_0_1')?.id).toBe('r1');
  });

  it('jobs repository - an old store (spec inside the run record) loads, and the first rewrite moves the spec out', async () => {
    const { store, puts } = countingStore();
    const r = run();
    await store.put(keys.run('j', 'r1'), r);
    const repo = new JobsRepository(store, log);
    await repo.load();
    const loaded = repo.runs.get('j')?.get('r1');
    expect(loaded).toEqual(r);
    if (!loaded) return;
    loaded.status = 'ACTIVE';
    await repo.persist(loaded);
    await repo.persist(loaded);
    expect(puts.get(keys.runSpec('j', 'r1'))).toBe(1);
    expect((await store.get<Record<string, unknown>>(keys.run('j', 'r1')))?.value.spec).toBeUndefined();
    const again = new JobsRepository(store, log);
    await again.load();
    expect(again.runs.get('j')?.get('r1')).toEqual({ ...r, status: 'ACTIVE' });
  });

  it('jobs repository - deleting a run deletes its spec; a spec left without its run is removed at load', async () => {
    const store = new MemoryStore();
    const repo = new JobsRepository(store, log);
    const r1 = run('r1');
    await repo.addRun(r1);
    await repo.addRun(run('r2'));
    await repo.deleteRun(r1);
    expect(await store.get(keys.run('j', 'r1'))).toBeUndefined();
    expect(await store.get(keys.runSpec('j', 'r1'))).toBeUndefined();
    // A crash between a run's two deletes leaves its spec behind.
    await store.delete(keys.run('j', 'r2'));
    await new JobsRepository(store, log).load();
    expect(await store.get(keys.runSpec('j', 'r2'))).toBeUndefined();
  });
});
