import { defineConfig } from 'vitest/config';

// End-to-end tests build network namespaces; they run one file at a time so
// lab topologies (and the 2-core machine) are not oversubscribed.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Names missing end-to-end tools up front (and fails the run with CI set).
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    poolOptions: { forks: { singleFork: false } },
    pool: 'forks',
  },
});
