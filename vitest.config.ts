import { defineConfig } from 'vitest/config';

// Unit tests live beside the code (packages/*/src/**/*.test.ts); integration and
// end-to-end tests against real servers live in test/. Packages import each other
// through their built dist/, so `tsc -b` runs before the tests (scripts/test.sh).
//
// Two projects share the two workers. Unit test files run without a fresh module
// graph each (isolate: false): importing the packages anew for each of 110 small files
// cost more than their tests (81 s of imports for 63 s of tests); a unit test must
// therefore leave no global state behind (environment variables, fake timers). The
// integration files keep their own process each.
//
// The packages' dist/ files are plain JavaScript that Node loads itself: sent through
// Vite's transform they cost about three times as long to import (one run of three
// integration files: 9.2 s of imports and 3.7 s of transforms, against 3.3 s and 0.3 s).
// Being external, they cannot be replaced by vi.mock, which no test does.
export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 60_000,
    maxWorkers: 2,
    server: { deps: { external: [/\/packages\/[^/]+\/dist\//] } },
    reporters: ['default'],
    projects: [
      { extends: true, test: { name: 'unit', include: ['packages/*/src/**/*.test.ts'], pool: 'forks', isolate: false } },
      { extends: true, test: { name: 'integration', include: ['test/**/*.test.ts'], pool: 'forks' } },
    ],
  },
});
