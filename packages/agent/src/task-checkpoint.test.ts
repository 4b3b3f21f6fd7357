import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readTaskCheckpoint } from './task-checkpoint.js';

describe('task checkpoint', () => {
  it('task checkpoint - one written with the singular health_check reads as a list of one (kill on failure)', async () => {
    const file = join(await mkdtemp(join(tmpdir(), 'tandem-cp-')), 'task.json');
    const healthCheck = {
      type: 'TCP',
      delaySeconds: 0,
      intervalSeconds: 1,
      timeoutSeconds: 1,
      consecutiveFailures: 3,
      gracePeriodSeconds: 0,
      command: null,
      portIndex: 0,
      path: '',
    };
    const info = { taskId: 't1', name: 't1', agentId: 'a', resources: [], command: null, container: null, labels: [], killPolicy: null };
    await writeFile(file, JSON.stringify({ frameworkId: 'f', framework: {}, containerizer: 'process', sandboxDir: '/tmp/x', info: { ...info, healthCheck } }));
    const cp = await readTaskCheckpoint(file);
    expect(cp?.info.healthChecks).toEqual([{ ...healthCheck, reportOnly: false }]);
    expect(cp?.info).not.toHaveProperty('healthCheck');
    await writeFile(
      file,
      JSON.stringify({ frameworkId: 'f', framework: {}, containerizer: 'process', sandboxDir: '/tmp/x', info: { ...info, healthCheck: null } }),
    );
    expect((await readTaskCheckpoint(file))?.info.healthChecks).toEqual([]);
  });
});
