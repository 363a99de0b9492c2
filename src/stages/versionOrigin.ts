import type { ReleaseContext } from '../context/context.js';

/**
 * Where the release version comes from, for a message about it: the `version:` key (with its
 * position), the --version flag, the git tag, or the snapshot rule. That is what the user
 * changes when a version is refused.
 */
export function versionOrigin(ctx: ReleaseContext): string {
  const { release } = ctx;
  switch (release.versionSource) {
    case 'config':
      return `${ctx.positions.at(['version'])}: ${release.version}`;
    case 'flag':
      return `--version ${release.version}`;
    case 'tag':
      return `the git tag ${release.tag ?? `v${release.version}`} on HEAD`;
    case 'snapshot':
      return `snapshot version ${release.version}, after the last release tag`;
  }
}
