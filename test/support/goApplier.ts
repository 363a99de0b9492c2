import { execa } from 'execa';
import { join } from 'node:path';
import { repoRoot } from './paths.js';

/** Builds go/patch's command (`winship-patch-apply OLD PATCH OUT`) into `dir`; returns its path. */
export async function buildGoApplier(dir: string, env: Record<string, string> = {}): Promise<string> {
  const out = join(dir, env.GOOS === 'windows' ? 'winship-patch-apply.exe' : 'winship-patch-apply');
  await execa('go', ['build', '-trimpath', '-o', out, './cmd/winship-patch-apply'], { cwd: join(repoRoot, 'go', 'patch'), env: { CGO_ENABLED: '0', GOFLAGS: '-mod=mod', GOPROXY: 'off', ...env } });
  return out;
}
