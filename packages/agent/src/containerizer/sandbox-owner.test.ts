import { mkdirSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { dockerUserIds, handSandboxTo } from './sandbox-owner.js';

const root = process.getuid?.() === 0;

describe('sandbox owner', () => {
  it("sandbox owner - a Docker task's user: numbers as given, a name as the host knows it, root and unknown names none", async () => {
    expect(await dockerUserIds('1234')).toEqual({ uid: 1234, gid: -1 });
    expect(await dockerUserIds('1234:99')).toEqual({ uid: 1234, gid: 99 });
    expect(await dockerUserIds('0')).toBeUndefined();
    expect(await dockerUserIds('root')).toBeUndefined();
    expect(await dockerUserIds('no-such-user-here')).toBeUndefined();
    const nobody = await dockerUserIds('nobody');
    expect(nobody?.uid).toBeGreaterThan(0);
    expect((await dockerUserIds('nobody:7'))?.gid).toBe(7);
  });

  it.runIf(root)("sandbox owner - the fetched trees and the sandbox become the user's; a symbolic link is changed itself, its target never", async () => {
    const base = await mkdtemp(join(tmpdir(), 'tandem-owner-'));
    const sandbox = join(base, 'sandbox');
    const outside = join(base, 'outside');
    mkdirSync(join(sandbox, 'tree', 'deep'), { recursive: true });
    mkdirSync(outside);
    writeFileSync(join(sandbox, 'tree', 'deep', 'f'), 'x');
    writeFileSync(join(sandbox, 'stdout'), '');
    writeFileSync(join(outside, 'keep'), 'x');
    symlinkSync(outside, join(sandbox, 'link'));
    symlinkSync(outside, join(sandbox, 'tree', 'inner-link'));
    await handSandboxTo(sandbox, ['tree', 'link'], 4321, 4322);
    for (const p of ['tree', 'tree/deep', 'tree/deep/f', '.']) expect(statSync(join(sandbox, p)), p).toMatchObject({ uid: 4321, gid: 4322 });
    expect(statSync(join(sandbox, 'stdout')).uid).toBe(0); // not fetched: the agent's
    expect([statSync(outside).uid, statSync(join(outside, 'keep')).uid]).toEqual([0, 0]);
  });
});
