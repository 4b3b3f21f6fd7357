import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const script = fileURLToPath(new URL('../bench/allocator.mjs', import.meta.url));

describe('bench:allocator', () => {
  it('bench - the --quick point completes and its last line is well-formed JSON', async () => {
    for (const allocator of ['hierarchical', 'drf']) {
      const { stdout } = await run(process.execPath, [script, '--quick', '--allocator', allocator], { timeout: 30_000 });
      const last = stdout.trim().split('\n').at(-1) ?? '';
      const result = JSON.parse(last) as Record<string, unknown>;
      expect(result).toMatchObject({ bench: 'allocator', allocator });
      for (const key of ['agents', 'frameworks', 'p50_ms', 'p99_ms']) expect(typeof result[key]).toBe('number');
    }
  });
});
