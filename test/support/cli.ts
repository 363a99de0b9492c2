import { execa } from 'execa';
import { cp, mkdir } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { repoRoot } from './paths.js';

export { repoRoot };
export const releaseBin = join(repoRoot, 'bin', 'release.js');

/** Run the compiled CLI (npm test compiles lib/ first) as a user would. */
export async function runRelease(args: string[], opts: { cwd: string; env?: Record<string, string | undefined> }) {
  const r = await execa(process.execPath, [releaseBin, ...args], {
    cwd: opts.cwd,
    env: { CI: 'true', NO_COLOR: '1', ...opts.env },
    reject: false,
    timeout: 600_000,
  });
  return { exitCode: r.exitCode ?? -1, stdout: String(r.stdout), stderr: String(r.stderr) };
}

export const FIXED_DATE = '2026-03-14T15:09:26Z';

/** A git repository holding `src` (copied), committed at a fixed date, optionally tagged. */
export async function makeGitProject(src: string, dest: string, opts: { tag?: string; date?: string } = {}): Promise<string> {
  await mkdir(dest, { recursive: true });
  await cp(src, dest, { recursive: true, filter: (p) => basename(p) !== 'dist' });
  await commitAll(dest, 'initial', opts);
  return dest;
}

export async function commitAll(dir: string, message: string, opts: { tag?: string; date?: string } = {}): Promise<void> {
  const date = opts.date ?? FIXED_DATE;
  const env = {
    GIT_AUTHOR_NAME: 'Test',
    GIT_AUTHOR_EMAIL: 'test@example.com',
    GIT_COMMITTER_NAME: 'Test',
    GIT_COMMITTER_EMAIL: 'test@example.com',
    GIT_AUTHOR_DATE: date,
    GIT_COMMITTER_DATE: date,
  };
  const git = (...args: string[]) => execa('git', args, { cwd: dir, env });
  await git('init', '-q', '-b', 'main').catch(() => undefined);
  await git('add', '-A');
  await git('commit', '-q', '--allow-empty', '-m', message);
  if (opts.tag) await git('tag', opts.tag);
}
