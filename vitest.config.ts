import { configDefaults, defineConfig } from 'vitest/config';

// Two projects, both run by `npm test` (unit first):
//   unit         test/unit/**: pure code over data. No processes (test/support/no-processes.ts
//                makes starting one fail), no external tools, no servers; seconds in all.
//   integration  everything else: go, wixl/msitools, osslsigncode, openssl, xmllint, Wine, git,
//                the CLI as a subprocess, local time-stamp servers. Its global setup builds the
//                Go fixture twice, so it runs only when integration tests do.
const UNIT = ['test/unit/**/*.test.ts'];

export default defineConfig({
  test: {
    testTimeout: 120_000,
    hookTimeout: 600_000,
    // Go builds and Wine already use every core; running test files side by side on a
    // 2-core machine only makes them time out.
    fileParallelism: false,
    reporters: ['default'],
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: UNIT,
          setupFiles: ['test/support/no-processes.ts'],
          // A unit test takes milliseconds; this only stops a hung one from holding the run.
          testTimeout: 30_000,
          sequence: { groupOrder: 0 },
        },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['test/**/*.test.ts'],
          exclude: [...configDefaults.exclude, ...UNIT],
          globalSetup: ['test/support/global-setup.ts'],
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
