import { describe, expect, it } from 'vitest';
import { leftoverOwner } from '../../../src/pipeline/leftovers.js';

describe('leftoverOwner: the names our runs give files while they work carry their pid', () => {
  it.each([
    ['.hello.exe.tmp-4242-0a1b2c3d.exe', 4242],
    ['.hello_1.0.0_x64.msi.tmp-17-deadbeef.msi', 17],
    ['.state.json.tmp-99-00112233.json', 99],
    ['.retired-1234-cafebabe', 1234],
    ['lock.stale-555', 555],
  ])('%s belongs to pid %i', (name, pid) => {
    expect(leftoverOwner(name)).toBe(pid);
  });

  it.each(['hello.exe', 'hello.exe.tmp-1-0a1b2c3d', '.hello.exe.tmp-x-0a1b2c3d', '.hello.exe.tmp-1-XYZ', '.winship', 'artifacts.json', '1234-cafebabe'])(
    '%s is not one of ours',
    (name) => {
      expect(leftoverOwner(name)).toBeUndefined();
    },
  );
});
