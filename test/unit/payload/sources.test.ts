import { mkdir, mkdtemp, realpath, rm, symlink, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { checkProjectInput, collectProjectFiles } from '../../../src/context/projectFiles.js';
import { archives } from '../../../src/stages/archives.js';
import { checkedPayload } from '../../../src/stages/msiSetup.js';
import { versionResources } from '../../../src/stages/versionResources.js';
import { UsageError } from '../../../src/util/errors.js';
import { MINIMAL_YAML, testContext } from '../../support/context.js';
import { makeIco } from '../../support/ico.js';

// Where payload files come from (context/projectFiles.ts) and the stages' prepare checks, on
// real files in a temp folder: links (in, out, dangling, to folders), a socket (a FIFO needs
// mkfifo, a process: test/e2e/hostilePayload.test.ts), inputs outside the project. In process.

let root: string; // holds project/ and outside/
let project: string;
let sockets: net.Server[] = [];

beforeAll(async () => {
  root = await realpath(await mkdtemp(join(tmpdir(), 'winship-sources-')));
});
afterAll(async () => rm(root, { recursive: true, force: true }));
afterEach(async () => {
  await Promise.all(sockets.map((s) => new Promise((r) => s.close(r))));
  sockets = [];
});

let n = 0;
async function freshProject(tree: Record<string, string | Uint8Array>): Promise<string> {
  project = join(root, `p${++n}`);
  for (const [rel, text] of Object.entries({ 'release.yaml': MINIMAL_YAML, ...tree })) {
    await mkdir(join(project, rel, '..'), { recursive: true });
    await writeFile(join(project, rel), text);
  }
  await mkdir(join(root, 'outside'), { recursive: true });
  await writeFile(join(root, 'outside', 'secret.txt'), 'secret');
  return project;
}

async function socketAt(path: string): Promise<void> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(path, resolve));
  sockets.push(server);
}

function contextIn(dir: string, yaml = MINIMAL_YAML) {
  return testContext({ projectDir: dir, yaml, distDir: join(dir, 'dist') });
}

async function messageOf(p: void | Promise<void>): Promise<string> {
  const err = await Promise.resolve(p).then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(UsageError);
  return (err as Error).message;
}

describe('collectProjectFiles', () => {
  it('follows a link to a file inside the project: packed under the link name, read from the target', async () => {
    const dir = await freshProject({ 'docs/real.md': 'real', 'README.md': 'r' });
    await symlink('real.md', join(dir, 'docs', 'alias.md'));
    const { ctx } = contextIn(dir);
    const { files, problems } = await collectProjectFiles(ctx, ['docs/*.md', 'README.md'], 'archives.files');
    expect(problems).toEqual([]);
    expect(files).toEqual([
      { name: 'README.md', sourcePath: join(dir, 'README.md') },
      { name: 'docs/alias.md', sourcePath: join(dir, 'docs', 'real.md') },
      { name: 'docs/real.md', sourcePath: join(dir, 'docs', 'real.md') },
    ]);
  });

  it('drops nothing in silence: links out, dangling and looping links, links to folders and sockets come back, each with its path', async () => {
    const dir = await freshProject({ 'docs/ok.md': 'ok', 'docs/sub/x.md': 'x' });
    await symlink('../../outside/secret.txt', join(dir, 'docs', 'out.md'));
    await symlink(join(root, 'outside'), join(dir, 'docs', 'out-dir.md'));
    await symlink('missing.md', join(dir, 'docs', 'dangling.md'));
    await symlink('self.md', join(dir, 'docs', 'self.md'));
    await symlink('sub', join(dir, 'docs', 'in-dir.md'));
    await symlink('..', join(dir, 'docs', 'up.md'));
    await socketAt(join(dir, 'docs', 'sock.md'));
    await symlink('sock.md', join(dir, 'docs', 'to-sock.md'));
    const { ctx } = contextIn(dir);
    const { files, problems } = await collectProjectFiles(ctx, ['docs/**'], 'msi.files');
    expect(files.map((f) => f.name)).toEqual(['docs/ok.md', 'docs/sub/x.md']);
    expect(problems).toEqual([
      { rule: 'link-dangling', path: 'docs/dangling.md', detail: '-> missing.md, ENOENT' },
      { rule: 'link-to-folder', path: 'docs/in-dir.md', detail: '-> docs/sub' },
      { rule: 'outside-project', path: 'docs/out-dir.md', detail: `-> ${join(root, 'outside')}` },
      { rule: 'outside-project', path: 'docs/out.md', detail: `-> ${join(root, 'outside', 'secret.txt')}` },
      { rule: 'link-dangling', path: 'docs/self.md', detail: '-> self.md, ELOOP' },
      { rule: 'special-file', path: 'docs/sock.md', detail: 'a socket' },
      { rule: 'special-file', path: 'docs/to-sock.md', detail: 'a link to a socket' },
      { rule: 'link-to-folder', path: 'docs/up.md', detail: '-> .' },
    ]);
  });

  it('reads through a linked folder a glob names in its fixed part, each file still checked to be inside', async () => {
    const dir = await freshProject({ 'shared/a.txt': 'a' });
    await symlink('shared', join(dir, 'linked'));
    await symlink(join(root, 'outside'), join(dir, 'away'));
    const { ctx } = contextIn(dir);
    const { files, problems } = await collectProjectFiles(ctx, ['linked/**', 'away/**'], 'archives.files');
    expect(files).toEqual([{ name: 'linked/a.txt', sourcePath: join(dir, 'shared', 'a.txt') }]);
    expect(problems).toEqual([{ rule: 'outside-project', path: 'away/secret.txt', detail: `-> ${join(root, 'outside', 'secret.txt')}` }]);
  });
});

describe('checkProjectInput (icon, msi.license, msi.template)', () => {
  it('accepts a regular file inside, also through a link inside; refuses the rest with key and path', async () => {
    const dir = await freshProject({ 'app.ico': 'ico', 'assets/x': '' });
    await symlink('app.ico', join(dir, 'alias.ico'));
    await symlink('../outside/secret.txt', join(dir, 'out.ico'));
    await symlink('gone.ico', join(dir, 'dangling.ico'));
    await socketAt(join(dir, 'sock.ico'));
    const { ctx } = contextIn(dir);
    const check = (p: string) => checkProjectInput(ctx, p, 'builds[0].resources.icon');
    expect(await check('app.ico')).toBeUndefined();
    expect(await check('alias.ico')).toBeUndefined();
    expect(await check(join(root, 'outside', 'secret.txt'))).toEqual({ rule: 'outside-project', path: `builds[0].resources.icon: ${join(root, 'outside', 'secret.txt')}`, detail: `-> ${join(root, 'outside', 'secret.txt')}` });
    expect(await check('../outside/secret.txt')).toMatchObject({ rule: 'outside-project' });
    expect(await check('out.ico')).toMatchObject({ rule: 'outside-project', path: 'builds[0].resources.icon: out.ico' });
    expect(await check('dangling.ico')).toMatchObject({ rule: 'link-dangling' });
    expect(await check('nope.ico')).toEqual({ rule: 'missing', path: 'builds[0].resources.icon: nope.ico', detail: 'ENOENT' });
    expect(await check('assets')).toEqual({ rule: 'special-file', path: 'builds[0].resources.icon: assets', detail: 'a folder' });
    expect(await check('sock.ico')).toEqual({ rule: 'special-file', path: 'builds[0].resources.icon: sock.ico', detail: 'a socket' });
  });
});

describe('the stages refuse a hostile payload when the run starts, every path in one error', () => {
  /**
   * A project with every kind of hostile name a Linux folder can hold. `..\..\evil.txt` starts
   * with a dot, so only a glob that names dot files (`pay/.*`) reaches it; `sub\..\x` any glob.
   */
  async function hostileProject(): Promise<string> {
    const dir = await freshProject({
      'pay/..\\..\\evil.txt': 'zip-slip',
      'pay/sub\\..\\..\\evil2.txt': 'zip-slip',
      'pay/CON': 'device',
      'pay/con.txt': 'device',
      'pay/a:b': 'drive',
      'pay/README': 'one',
      'pay/readme': 'two',
      'pay/dot.': 'dot',
      'pay/fine.txt': 'fine',
    });
    await symlink('../../outside/secret.txt', join(dir, 'pay', 'out.txt'));
    await symlink('nothing-here', join(dir, 'pay', 'dangling.txt'));
    await socketAt(join(dir, 'pay', 'sock'));
    return dir;
  }
  const HOSTILE_LINES = [
    `    - pay/out.txt  (-> ${'ROOT'}/outside/secret.txt)`,
    '    - pay/dangling.txt  (-> nothing-here, ENOENT)',
    '    - pay/sock  (a socket)',
    '    - pay/..\\..\\evil.txt',
    '    - pay/sub\\..\\..\\evil2.txt',
    '    - pay/README <-> pay/readme',
    '    - pay/CON',
    '    - pay/con.txt',
    '    - pay/dot.',
    "    - pay/a:b  (':' (U+003A))",
  ];

  it('archives: archives.files', async () => {
    const dir = await hostileProject();
    const { ctx } = contextIn(dir, `${MINIMAL_YAML}archives:\n  files: ["pay/**", "pay/.*"]\n`);
    const msg = await messageOf(archives.prepare!(ctx));
    expect(msg).toMatch(/^archives\.files: 10 problems with the files the zips would hold \(the binaries and archives\.files, from .*\):\n/);
    for (const line of HOSTILE_LINES) expect(msg).toContain(`${line.replace('ROOT', root)}\n`);
    expect(msg).not.toContain('fine.txt');
    expect(msg).toMatch(/\nNothing was packed\. .*archives\.files/);
  });

  it('msi: msi.files, with a license and a template from outside the project and the codepage rule', async () => {
    const dir = await hostileProject();
    await writeFile(join(dir, 'pay', 'Ω.txt'), 'not in cp1252');
    const yaml = `${MINIMAL_YAML}msi:\n  upgradeCode: 6F1D3C2A-0B4E-4C6F-9A1B-2C3D4E5F6071\n  files: ["pay/**", "pay/.*"]\n  license: ../outside/secret.txt\n  template: missing.wxs\n`;
    const { ctx } = contextIn(dir, yaml);
    const msg = await messageOf(checkedPayload(ctx, ctx.config.msi!, ['amd64'], 'wixl').then(() => undefined));
    expect(msg).toMatch(/^msi\.files, msi\.license, msi\.template: 13 problems with the files the MSI packages would install or embed \(the binaries and msi\.files, from .*\):\n/);
    for (const line of HOSTILE_LINES) expect(msg).toContain(`${line.replace('ROOT', root)}\n`);
    expect(msg).toContain(`    - msi.license: ../outside/secret.txt  (-> ${root}/outside/secret.txt)\n`);
    expect(msg).toContain('    - msi.template: missing.wxs  (ENOENT)\n');
    expect(msg).toContain("names with characters the package codepage cannot hold:\n    - pay/Ω.txt  (codepage 1252 lacks 'Ω' (U+03A9))\n");
  });

  it('checks the binaries\' names from release.yaml with the payload: a binary "con" is refused before it is built', async () => {
    const dir = await freshProject({ 'README.md': 'r' });
    const { ctx } = contextIn(dir, 'project:\n  name: app\nbuilds:\n  - binary: con\narchives:\n  files: [README.md]\n');
    expect(await messageOf(archives.prepare!(ctx))).toContain('reserved Windows device names (CON, PRN, AUX, NUL, CONIN$, CONOUT$, COM1-9, LPT1-9, with or without extension):\n    - con.exe\n');
  });

  it('resources: an icon outside the project, a missing one and a socket, all in one error', async () => {
    const dir = await freshProject({ 'ok.ico': makeIco() });
    await socketAt(join(dir, 'sock.ico'));
    const yaml = [
      'project:\n  name: app\nbuilds:',
      '  - { id: a, binary: a, resources: { icon: ok.ico } }',
      `  - { id: b, binary: b, resources: { icon: ${join(root, 'outside', 'secret.txt')} } }`,
      '  - { id: c, binary: c, resources: { icon: nope.ico } }',
      '  - { id: d, binary: d, resources: { icon: sock.ico } }',
      '  - { id: e, binary: e, resources: { icon: ../outside/secret.txt, disabled: true } }',
      '',
    ].join('\n');
    const { ctx } = contextIn(dir, yaml);
    expect(await messageOf(versionResources.prepare!(ctx))).toBe(
      [
        `builds[].resources.icon: 3 problems with the icons to embed (from ${dir}):`,
        '  paths that lead out of the project folder (symbolic links resolved): copy the files into the project:',
        `    - builds[1].resources.icon: ${root}/outside/secret.txt  (-> ${root}/outside/secret.txt)`,
        '  files that do not exist:',
        '    - builds[2].resources.icon: nope.ico  (ENOENT)',
        '  not regular files, refused without being opened:',
        '    - builds[3].resources.icon: sock.ico  (a socket)',
        'Keep each icon inside the project folder, as a regular .ico file.',
      ].join('\n'),
    );
  });

  it('passes a clean payload with a followed link', async () => {
    const dir = await freshProject({ 'docs/a.md': 'a' });
    await symlink('a.md', join(dir, 'docs', 'b.md'));
    const { ctx } = contextIn(dir, `${MINIMAL_YAML}archives:\n  files: ["docs/*.md"]\n`);
    await expect(archives.prepare!(ctx)).resolves.toBeUndefined();
  });
});
