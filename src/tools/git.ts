import { ToolFailedError, type ToolRunner, type Tool } from './runner.js';
import { highestTag, isReleaseTag } from '../version/semver.js';

export const git: Tool = { name: 'git', command: 'git', install: 'apt-get install git' };

export interface GitFacts {
  commit: string;
  shortCommit: string;
  /** Committer date of HEAD, seconds since the epoch. */
  commitEpoch: number;
  exactTags: string[];
  previousTag?: string;
  dirty: boolean;
}

/** Read-only facts about HEAD. Undefined when `dir` is not inside a git work tree. */
export async function readGitFacts(runner: ToolRunner, dir: string): Promise<GitFacts | undefined> {
  const q = async (...args: string[]) =>
    (await runner.run({ tool: git, args, cwd: dir, timeoutMs: 30_000, readOnly: true })).stdout.trim();
  try {
    if ((await q('rev-parse', '--is-inside-work-tree')) !== 'true') return undefined;
  } catch (err) {
    if (err instanceof ToolFailedError) return undefined;
    throw err;
  }
  const commit = await q('rev-parse', 'HEAD');
  const shortCommit = await q('rev-parse', '--short=7', 'HEAD');
  const commitEpoch = Number(await q('log', '-1', '--format=%ct', 'HEAD'));
  const exactTags = (await q('tag', '--points-at', 'HEAD')).split('\n').filter(isReleaseTag);
  let previousTag: string | undefined;
  try {
    previousTag = highestTag((await q('tag', '--merged', 'HEAD', '--list', 'v*')).split('\n'));
  } catch {
    previousTag = undefined;
  }
  const dirty = (await q('status', '--porcelain', '--untracked-files=no')).length > 0;
  return { commit, shortCommit, commitEpoch, exactTags, previousTag, dirty };
}
