import { isAbsolute, relative } from 'node:path';
import type { ReleaseFacts } from '../artifacts/state.js';
import type { ReleaseInfo } from '../context/context.js';
import { readGitFacts, type GitFacts } from '../tools/git.js';
import type { ToolRunner } from '../tools/runner.js';
import { UsageError } from '../util/errors.js';
import { highestTag, parseSemver } from '../version/semver.js';
import { resolveVersion } from '../version/resolve.js';

// The release facts every stage shares: version, commit and the one date a release may use. A
// release reads them from git once, when it starts; a run that continues it (--only, `release
// sign`, `release merge`) takes them from the release state and only checks the checkout.

/** git facts of the project, with our own dist/ not counted as a change to the sources. */
export function readProjectGit(runner: ToolRunner, projectDir: string, distDir: string): Promise<GitFacts | undefined> {
  const dist = relative(projectDir, distDir);
  return readGitFacts(runner, projectDir, dist && !dist.startsWith('..') && !isAbsolute(dist) ? [dist] : []);
}

export function releaseInfoFromGit(
  git: GitFacts | undefined,
  projectDir: string,
  env: NodeJS.ProcessEnv,
  flagVersion: string | undefined,
  configVersion: string | undefined,
): ReleaseInfo {
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

/** The facts a continued run works with: the state's, never re-read from git. */
export function releaseInfoFromFacts(facts: ReleaseFacts, where: string): ReleaseInfo {
  const semver = parseSemver(facts.version);
  if (!semver) throw new UsageError(`${where}: release.version "${facts.version}" is not a semantic version (damaged or edited by hand)`);
  return {
    version: facts.version,
    semver,
    snapshot: facts.snapshot,
    versionSource: facts.versionSource,
    commit: facts.commit,
    shortCommit: facts.shortCommit,
    date: new Date(facts.date),
    ...(facts.tag !== null ? { tag: facts.tag } : {}),
    dirty: facts.dirty,
  };
}
