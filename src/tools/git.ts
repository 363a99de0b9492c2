import { ToolFailedError, type ToolRunner, type Tool } from './runner.js';

export const git: Tool = { name: 'git', command: 'git', install: 'apt-get install git' };

export interface GitFacts {
  commit: string;
  shortCommit: string;
  /** Committer date of HEAD, seconds since the epoch. */
  commitEpoch: number;
  /** Tags on HEAD, as git lists them (which of them are release tags is the version policy's call). */
  tagsAtHead: string[];
  /** Tags matching v* reachable from HEAD: where a snapshot's version grows from. */
  reachableTags: string[];
  dirty: boolean;
}

/**
 * Read-only facts about HEAD. Undefined when `dir` is not inside a git work tree. `ignore`:
 * paths relative to `dir` (our dist/) whose changes do not make the tree dirty.
 */
export async function readGitFacts(runner: ToolRunner, dir: string, ignore: readonly string[] = []): Promise<GitFacts | undefined> {
  const q = async (...args: string[]) =>
    (await runner.run({ tool: git, args, cwd: dir, timeoutMs: 30_000, readOnly: true })).stdout.trim();
  try {
    if ((await q('rev-parse', '--is-inside-work-tree')) !== 'true') return undefined;
  } catch (err) {
    if (err instanceof ToolFailedError) return undefined;
    throw err;
  }
  // One query for HEAD, then the independent ones side by side: each git start costs ~15 ms.
  const [commit = '', shortCommit = '', epoch = ''] = (await q('log', '-1', '--abbrev=7', '--format=%H%n%h%n%ct', 'HEAD')).split('\n');
  const commitEpoch = Number(epoch);
  const [pointing, merged, status] = await Promise.all([
    q('tag', '--points-at', 'HEAD'),
    q('tag', '--merged', 'HEAD', '--list', 'v*').catch(() => ''), // only for the snapshot's base
    // Untracked files count (not ignored ones): go build compiles an untracked .go file in.
    q('status', '--porcelain', '--', '.', ...ignore.map((p) => `:(exclude)${p}`)),
  ]);
  const lines = (text: string) => text.split('\n').filter(Boolean);
  const dirty = status.length > 0;
  return { commit, shortCommit, commitEpoch, tagsAtHead: lines(pointing), reachableTags: lines(merged), dirty };
}

/** The URL of the remote `origin` (else of the first remote), or undefined. Read only. */
export async function gitRemoteUrl(runner: ToolRunner, dir: string): Promise<string | undefined> {
  const q = async (...args: string[]) => (await runner.run({ tool: git, args, cwd: dir, timeoutMs: 30_000, readOnly: true })).stdout.trim();
  try {
    const remotes = (await q('remote')).split('\n').filter(Boolean);
    const name = remotes.includes('origin') ? 'origin' : remotes[0];
    return name ? (await q('remote', 'get-url', name)) || undefined : undefined;
  } catch (err) {
    if (err instanceof ToolFailedError) return undefined;
    throw err;
  }
}

/**
 * The author of HEAD (else the user.name the repository would commit with), or undefined; none
 * outside a git work tree, where a global user.name says nothing about the project. Read only.
 */
export async function gitAuthorName(runner: ToolRunner, dir: string): Promise<string | undefined> {
  const q = async (...args: string[]) => (await runner.run({ tool: git, args, cwd: dir, timeoutMs: 30_000, readOnly: true })).stdout.trim();
  const inside = await q('rev-parse', '--is-inside-work-tree').catch(() => 'false');
  if (inside !== 'true') return undefined;
  for (const args of [['log', '-1', '--format=%an'], ['config', 'user.name']]) {
    try {
      const name = await q(...args);
      if (name) return name;
    } catch (err) {
      if (!(err instanceof ToolFailedError)) throw err;
    }
  }
  return undefined;
}

/** "git version 2.39.5". */
export async function gitVersion(runner: ToolRunner): Promise<string> {
  return (await runner.run({ tool: git, args: ['--version'], timeoutMs: 30_000, readOnly: true, input: '' })).stdout.trim();
}
