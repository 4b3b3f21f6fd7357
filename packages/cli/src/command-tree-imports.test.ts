import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// The command tree (program.ts and what it imports statically) must stay cheap to build:
// `--help`, completion and every command's start pay for it. Heavy modules (the protocol,
// gRPC, zod, the store, the frameworks) load in a command's action, through lazy().
const SRC = dirname(fileURLToPath(import.meta.url));
const PACKAGES = resolve(SRC, '..', '..');

/** A bare specifier the tree may import: commander, Node's own modules, a package's `defaults` entry. */
const allowed = (spec: string): boolean => spec === 'commander' || spec.startsWith('node:') || /^@tandem\/[a-z-]+\/defaults$/.test(spec);

/** Value imports and re-exports of a TypeScript file (not `import type`, not `import()`). */
function staticImports(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const specs: string[] = [];
  for (const m of text.matchAll(/^(?:import|export)\s+(?!type\s)(?:[^'";]*?\sfrom\s+)?['"]([^'"]+)['"]/gm)) specs.push(m[1] as string);
  return specs;
}

/** Every file the tree loads, and every bare specifier it reaches with the file that imports it. */
function treeOf(entry: string): { files: Set<string>; bare: Map<string, string> } {
  const files = new Set<string>([entry]);
  const bare = new Map<string, string>();
  const queue = [entry];
  for (let file = queue.shift(); file !== undefined; file = queue.shift()) {
    for (const spec of staticImports(file)) {
      let next: string | undefined;
      if (spec.startsWith('.')) next = resolve(dirname(file), spec.replace(/\.js$/, '.ts'));
      else {
        if (!bare.has(spec)) bare.set(spec, file);
        const pkg = /^@tandem\/([a-z-]+)\/defaults$/.exec(spec);
        if (pkg) next = join(PACKAGES, pkg[1] as string, 'src', 'defaults.ts');
      }
      if (next !== undefined && !files.has(next)) {
        files.add(next);
        queue.push(next);
      }
    }
  }
  return { files, bare };
}

describe('command tree', () => {
  it('cli - program.ts reaches only commander, node: modules and the packages defaults entries statically', () => {
    const { files, bare } = treeOf(join(SRC, 'program.ts'));
    // It does reach the commands (or this test reads nothing).
    expect(files.has(join(SRC, 'commands', 'master.ts'))).toBe(true);
    expect(files.has(join(PACKAGES, 'protocol', 'src', 'defaults.ts'))).toBe(true);
    const heavy = [...bare].filter(([spec]) => !allowed(spec)).map(([spec, from]) => `${spec} (imported by ${from.slice(PACKAGES.length + 1)})`);
    expect(heavy).toEqual([]);
    // No action module is part of the tree.
    expect([...files].filter((f) => /\/commands\/[a-z-]+-actions?\.ts$|\/listing\/list-(action|views)\.ts$/.test(f))).toEqual([]);
  });
});
