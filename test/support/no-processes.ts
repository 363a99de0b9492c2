// Setup file of the unit project (vitest.config.ts): unit tests are pure code over data, so
// starting a process is a mistake, caught here rather than by a slow or tool-dependent run.
// Patched on the node:child_process module itself (and synced into its ESM exports), so it
// also holds for execa and anything else in node_modules, which vi.mock would not reach.
// The call throws, and the test fails afterwards even if the code caught that error (execa
// with reject: false, the ToolRunner).

import childProcess from 'node:child_process';
import { syncBuiltinESMExports } from 'node:module';
import { afterEach } from 'vitest';

const STARTERS = ['spawn', 'spawnSync', 'exec', 'execSync', 'execFile', 'execFileSync', 'fork'] as const;
const ADVICE = 'unit tests start no processes: move this test to the integration project (see vitest.config.ts)';

let attempts: string[] = [];

for (const name of STARTERS) {
  Object.defineProperty(childProcess, name, {
    configurable: true,
    writable: true,
    value: (command: unknown) => {
      attempts.push(`${name}(${JSON.stringify(command)})`);
      throw new Error(`${ADVICE}; it called child_process.${name}`);
    },
  });
}
syncBuiltinESMExports();

afterEach(() => {
  const tried = attempts;
  attempts = [];
  if (tried.length > 0) throw new Error(`${ADVICE}; it tried ${tried.join(', ')}`);
});
