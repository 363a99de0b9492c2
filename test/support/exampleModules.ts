import { execa } from 'execa';
import { join } from 'node:path';
import { repoRoot } from './paths.js';

// examples/hello's go.mod finds go/update and go/patch by relative replace directives
// (../../go/…): a copy of the example elsewhere points them at this repository instead.

export const WINSHIP_GO_MODULES = {
  'github.com/winship/winship/go/update': join(repoRoot, 'go', 'update'),
  'github.com/winship/winship/go/patch': join(repoRoot, 'go', 'patch'),
};

/** Rewrites the replace directives of the go.mod in `dir` to this repository's module folders. */
export async function pinWinshipModules(dir: string): Promise<void> {
  const args = Object.entries(WINSHIP_GO_MODULES).map(([module, path]) => `-replace=${module}=${path}`);
  await execa('go', ['mod', 'edit', ...args], { cwd: dir, env: { GOTOOLCHAIN: 'local', GOPROXY: 'off' } });
}
