import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { claimDist } from '../../../src/pipeline/dist.js';
import { checkDistFolder, distFolderProblem, findGitRoot, type ProtectedFolders } from '../../../src/pipeline/distSafety.js';

// Which folders may be dist/ (written into, emptied by --clean): never the project, anything
// holding it, the git root, the home folder or the root, whatever markers they hold.

const project: ProtectedFolders = { projectDir: '/home/ann/src/app', gitRoot: '/home/ann/src', home: '/home/ann' };

describe('distFolderProblem', () => {
  it.each([
    ['/home/ann/src/app/dist', undefined],
    ['/home/ann/src/app/out/release', undefined],
    ['/home/ann/src/other-dist', undefined],
    ['/tmp/app-dist', undefined],
    ['/home/ann/src/app', 'is the project folder itself (/home/ann/src/app, which holds release.yaml)'],
    ['/home/ann/src/app/', 'is the project folder itself'],
    ['/home/ann/src', 'is the root of the git work tree holding the project (/home/ann/src)'],
    ['/home/ann', 'holds the project (/home/ann/src/app is inside it)'],
    ['/home', 'holds the project'],
    ['/', 'is the root of the file system'],
  ])('%s: %s', (dist, problem) => {
    const found = distFolderProblem(dist, project);
    if (problem === undefined) expect(found).toBeUndefined();
    else expect(found).toContain(problem);
  });

  it('the home folder, and a folder holding it, even away from the project', () => {
    const elsewhere = { projectDir: '/srv/app', home: '/home/ann' };
    expect(distFolderProblem('/home/ann', elsewhere)).toBe('is your home folder (/home/ann)');
    expect(distFolderProblem('/home', elsewhere)).toBe('holds your home folder (/home/ann)');
    expect(distFolderProblem('/home/ann/out', elsewhere)).toBeUndefined();
  });

  it('a folder holding a repository or a release.yaml, whatever else is true', () => {
    expect(distFolderProblem('/tmp/x', { projectDir: '/srv/app', holds: { git: true } })).toContain('holds a .git folder');
    expect(distFolderProblem('/tmp/x', { projectDir: '/srv/app', holds: { config: true } })).toContain('holds a release.yaml');
  });

  it('compares without case where the file system does', () => {
    expect(distFolderProblem('/Home/Ann/Src/App', { ...project, caseInsensitive: true })).toContain('is the project folder itself');
    expect(distFolderProblem('/Home/Ann/Src/App', project)).toBeUndefined();
  });
});

describe('checkDistFolder (on disk)', () => {
  const root = mkdtempSync(join(tmpdir(), 'winship-distsafety-'));
  const repo = join(root, 'repo');
  const app = join(repo, 'tools', 'app');
  mkdirSync(join(repo, '.git'), { recursive: true });
  mkdirSync(app, { recursive: true });
  writeFileSync(join(app, 'release.yaml'), 'project: {name: x}\n');
  symlinkSync(app, join(root, 'link-to-app'));

  it('finds the git root by walking up, and follows symlinks to the real folder', async () => {
    expect(await findGitRoot(app)).toBe(repo);
    expect(await checkDistFolder(join(app, 'dist'), app)).toBeUndefined();
    expect(await checkDistFolder(app, app)).toContain('is the project folder itself');
    expect(await checkDistFolder(join(root, 'link-to-app'), app)).toContain('is the project folder itself');
    expect(await checkDistFolder(repo, app)).toContain('is the root of the git work tree');
    expect(await checkDistFolder(join(repo, 'tools'), app)).toContain('holds the project');
  });

  it('claimDist --clean refuses the project even with a stray marker in it, and deletes nothing', async () => {
    writeFileSync(join(app, '.winship-dist'), 'stray\n');
    await expect(claimDist(app, true, app)).rejects.toThrow(`refusing to clean ${app}: it is the project folder itself`);
    await expect(claimDist(app, true, join(root, 'elsewhere'))).rejects.toThrow('holds a release.yaml');
    expect((await import('node:fs')).existsSync(join(app, 'release.yaml'))).toBe(true);
  });
});
