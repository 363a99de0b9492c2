import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    testTimeout: 120_000,
    hookTimeout: 600_000,
    // Go builds and Wine already use every core; running test files side by side on a
    // 2-core machine only makes them time out.
    fileParallelism: false,
    reporters: ['default'],
  },
});
