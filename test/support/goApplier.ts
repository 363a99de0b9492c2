import { execa } from 'execa';
import { join } from 'node:path';
import { repoRoot } from './paths.js';

export const GO_PATCH_MODULE = join(repoRoot, 'go', 'patch');
/** Offline and with the installed toolchain: the module needs nothing from the network. */
export const GO_ENV = { CGO_ENABLED: '0', GOFLAGS: '-mod=mod', GOPROXY: 'off', GOTOOLCHAIN: 'local' };

/** Builds go/patch's command (`winship-patch-apply OLD PATCH OUT`) into `dir` (for `env`'s GOOS); returns its path. */
export async function buildGoApplier(dir: string, env: Record<string, string> = {}): Promise<string> {
  const out = join(dir, env.GOOS === 'windows' ? 'winship-patch-apply.exe' : 'winship-patch-apply');
  await execa('go', ['build', '-trimpath', '-o', out, './cmd/winship-patch-apply'], { cwd: GO_PATCH_MODULE, env: { ...GO_ENV, ...env } });
  return out;
}
