// collectPayload refuses a FIFO. Here, not in test/unit/wix/payload.test.ts, because making
// one takes a process (mkfifo).

import path from 'node:path';
import { execa } from 'execa';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { collectPayload } from '../../src/msi/wix/payload.js';
import { tempDir, writeTree } from '../fixtures/wix/support.js';

let dir: string;
let cleanup: () => Promise<void>;
beforeEach(async () => {
  ({ dir, cleanup } = await tempDir());
});
afterEach(async () => cleanup());

it('collectPayload refuses a FIFO', async () => {
  await writeTree(dir, { 'ok.txt': '' });
  await execa('mkfifo', [path.join(dir, 'pipe')]);
  await expect(collectPayload(dir)).rejects.toThrowError(/not regular files \(FIFOs, sockets, devices\):\n {4}- pipe/);
});
