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
export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 60_000,
    maxWorkers: 2,
    reporters: ['default'],
    projects: [
      { extends: true, test: { name: 'unit', include: ['packages/*/src/**/*.test.ts'], pool: 'forks', isolate: false } },
      { extends: true, test: { name: 'integration', include: ['test/**/*.test.ts'], pool: 'forks' } },
    ],
  },
});
