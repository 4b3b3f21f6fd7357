import { describe, expect, it } from 'vitest';
import { canonicalPathId, decodePathId, encodePathId, isUnder, parentGroup, pathIdProblem, resolvePathId } from './path-id.js';

describe('path ids', () => {
  it('path-id - accepts Marathon ids and canonicalises them', () => {
    for (const ok of ['app', '/app', '/g/app', '/g.v1/my-app/', 'a1']) expect(pathIdProblem(ok)).toBeUndefined();
    expect(canonicalPathId('g/app/')).toBe('/g/app');
  });

  it('path-id - refuses empty, "..", uppercase and odd characters', () => {
    for (const bad of ['', '/', ' ', '..', '/a/../b', '/a//b', 'App', 'a_b', '-a', 'a-', 'a..b', 'a/./b', 'x'.repeat(200)]) {
      expect(pathIdProblem(bad), bad).toBeDefined();
    }
  });

  it('path-id - resolves relative dependencies and encodes for task ids', () => {
    expect(resolvePathId('/g', '../db')).toBe('/db');
    expect(resolvePathId('/g', 'db')).toBe('/g/db');
    expect(resolvePathId('/', '../db')).toBeUndefined();
    expect(parentGroup('/a/b')).toBe('/a');
    expect(parentGroup('/a')).toBe('/');
    expect(isUnder('/a/b', '/a')).toBe(true);
    expect(isUnder('/ab', '/a')).toBe(false);
    expect(decodePathId(encodePathId('/g.v1/my-app'))).toBe('/g.v1/my-app');
  });
});
