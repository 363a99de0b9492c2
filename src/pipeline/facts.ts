import { isAbsolute, relative } from 'node:path';
import type { ReleaseInfo } from '../context/context.js';
import { readGitFacts } from '../tools/git.js';
import type { ToolRunner } from '../tools/runner.js';
import { UsageError } from '../util/errors.js';
import { highestTag, parseSemver } from '../version/semver.js';
import { resolveVersion } from '../version/resolve.js';

/** The release facts every stage shares: version, commit and the one date a release may use. */
export async function readReleaseInfo(
  runner: ToolRunner,
  projectDir: string,
  env: NodeJS.ProcessEnv,
  flagVersion: string | undefined,
  configVersion: string | undefined,
  distDir?: string,
): Promise<ReleaseInfo> {
  // Our own output is not a change to the sources.
  const dist = distDir === undefined ? undefined : relative(projectDir, distDir);
  const git = await readGitFacts(runner, projectDir, dist && !dist.startsWith('..') && !isAbsolute(dist) ? [dist] : []);
  const sde = env.SOURCE_DATE_EPOCH;
  if (sde !== undefined && !/^\d+$/.test(sde)) throw new UsageError(`SOURCE_DATE_EPOCH="${sde}" is not a number of seconds since 1970`);
  const epoch = sde !== undefined ? Number(sde) : git?.commitEpoch;
  if (epoch === undefined) {
    throw new UsageError(`${projectDir} is not inside a git repository, so the release has no commit date; set SOURCE_DATE_EPOCH (seconds since 1970) to date it`);
  }
  const commit = git?.commit ?? 'none';
  const shortCommit = git?.shortCommit ?? 'none';
  let resolved;
  try {
    resolved = resolveVersion({ flag: flagVersion, exactTags: git?.tagsAtHead ?? [], configVersion, previousTag: highestTag(git?.reachableTags ?? []), shortCommit });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  return {
    version: resolved.version,
    semver: parseSemver(resolved.version)!,
    snapshot: resolved.snapshot,
    versionSource: resolved.source,
    commit,
    shortCommit,
    date: new Date(epoch * 1000),
    tag: resolved.source === 'tag' ? `v${resolved.version}` : undefined,
    dirty: git?.dirty ?? false,
  };
}
