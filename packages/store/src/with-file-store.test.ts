import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Store } from './store.js';
import { startOnFileStore } from './with-file-store.js';

const dir = (): string => mkdtempSync(join(tmpdir(), 'tandem-svc-'));

describe('startOnFileStore', () => {
  it('store-service - the service gets a working store, and stop closes it after the service', async () => {
    const order: string[] = [];
    let seen: Store | undefined;
    const { service, stop } = await startOnFileStore(dir(), (store) => {
      seen = store;
      return { start: async () => void (await store.put('k', 1)), stop: async () => void order.push('service') };
    });
    expect(service).toBeDefined();
    expect((await seen!.get('k'))?.value).toBe(1);
    await stop();
    order.push('after');
    await expect(seen!.put('k', 2)).rejects.toThrow(/store is closed/);
    expect(order).toEqual(['service', 'after']);
  });

  it('store-service - a failed start stops the service, closes the store and rethrows', async () => {
    let stopped = false;
    let seen: Store | undefined;
    await expect(
      startOnFileStore(dir(), (store) => {
        seen = store;
        return {
          start: async () => {
            throw new Error('no master');
          },
          stop: async () => {
            stopped = true;
          },
        };
      }),
    ).rejects.toThrow('no master');
    expect(stopped).toBe(true);
    await expect(seen!.put('k', 1)).rejects.toThrow(/store is closed/);
  });
});
