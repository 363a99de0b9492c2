// The first hour of a new user, through the real CLI: `release init` on fresh Go modules of
// several shapes, `release check`, `release build --dev-cert` with no network at all (a network
// namespace with only loopback when the machine allows one; proxies pointed at a closed port
// besides), `release verify` on the result — signatures and timestamps by osslsigncode, MSI
// tables by msiinfo, the manifests against winget's and Scoop's schemas, an install under Wine —
// and on releases broken on purpose; `release doctor` with a tool taken off PATH.

import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { SCOOP_SCHEMA_FILE, wingetSchemaFile } from '../../src/channels/schemas.js';
import { compileManifestSchema } from '../../src/channels/validate.js';
import { parseConfig } from '../../src/config/load.js';
import { commitAll, releaseBin, runRelease } from '../support/cli.js';
import { haveWine, WINE64 } from '../support/wine.js';

let work: string;
/** `unshare -rn` works here: the builds run with no network interface but loopback. */
let isolated = false;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'winship-e2e-firstrun-'));
  isolated = (await execa('unshare', ['-rn', 'sh', '-c', 'ip link set lo up'], { reject: false }).catch(() => ({ exitCode: 1 }))).exitCode === 0;
});
afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

const sha = (data: Uint8Array) => createHash('sha256').update(data).digest('hex');

/** A closed port: any request that tries a proxy fails at once. */
const NO_PROXY_ENV = { HTTP_PROXY: 'http://127.0.0.1:9', HTTPS_PROXY: 'http://127.0.0.1:9', http_proxy: 'http://127.0.0.1:9', https_proxy: 'http://127.0.0.1:9', GOPROXY: 'off' };

/** The CLI with no network: in a namespace with only loopback when possible, proxies closed either way. */
async function offline(args: string[], cwd: string, env: Record<string, string> = {}) {
  if (!isolated) return runRelease(args, { cwd, env: { ...NO_PROXY_ENV, ...env } });
  const quoted = [process.execPath, releaseBin, ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  const r = await execa('unshare', ['-rn', 'sh', '-c', `ip link set lo up && exec ${quoted}`], {
    cwd,
    env: { CI: 'true', NO_COLOR: '1', ...NO_PROXY_ENV, ...env },
    reject: false,
    timeout: 600_000,
  });
  return { exitCode: r.exitCode ?? -1, stdout: String(r.stdout), stderr: String(r.stderr) };
}

async function writeTree(dir: string, files: Record<string, string>): Promise<string> {
  for (const [path, text] of Object.entries(files)) {
    await mkdir(dirname(join(dir, path)), { recursive: true });
    await writeFile(join(dir, path), text);
  }
  return dir;
}

const MIT = (holder: string) => `MIT License\n\nCopyright (c) 2026 ${holder}\n\nPermission is hereby granted, free of charge, to any person obtaining a copy\nof this software and associated documentation files.\n`;

/** Four shapes of Go module, as people write them. */
const SHAPES = {
  // One main package at the root, the usual version variables, a licence and a README.
  root: {
    'go.mod': 'module example.com/greeter\n\ngo 1.22\n',
    'main.go': '// Command greeter says hello to whoever asks.\npackage main\n\nimport "fmt"\n\nvar (\n\tversion = "dev"\n\tcommit  = "none"\n)\n\nfunc main() { fmt.Printf("greeter %s (%s)\\n", version, commit) }\n',
    LICENSE: MIT('Greeter Makers Ltd.'),
    'README.md': '# greeter\n\nA small greeter for terminals.\n',
    '.gitignore': 'dist/\n',
  },
  // cmd/* with two programs, one keeping its version in internal/version; a GitHub remote.
  cmd: {
    'go.mod': 'module github.com/acme/tools\n\ngo 1.22\n',
    'cmd/alpha/main.go': 'package main\n\nimport (\n\t"fmt"\n\n\t"github.com/acme/tools/internal/version"\n)\n\nfunc main() { fmt.Println("alpha", version.Version, version.Commit) }\n',
    'cmd/beta/main.go': 'package main\n\nimport "fmt"\n\nvar Version string\n\nfunc main() { fmt.Println("beta", Version) }\n',
    'internal/version/version.go': 'package version\n\n// Set by the linker.\nvar (\n\tVersion = "dev"\n\tCommit  string\n)\n',
    LICENSE: `                                 Apache License\n                           Version 2.0, January 2004\n\n   Copyright 2026 Acme Tools Inc.\n`,
    'README.md': '# tools\n\nAcme tools: alpha and beta, for the command line.\n',
    '.gitignore': 'dist/\n',
  },
  // A /v2 module: its program is "widget"; custom names for the variables; no licence, no README.
  v2: {
    'go.mod': 'module github.com/acme/widget/v2\n\ngo 1.22\n',
    'main.go': 'package main\n\nimport "fmt"\n\nvar revision = "devel"\nvar buildDate string\n\nfunc main() { fmt.Println("widget", revision, buildDate) }\n',
    '.gitignore': 'dist/\n',
  },
  // Variables no default would set (appVersion, gitSHA, builtOn), nothing else to go on.
  custom: {
    'go.mod': 'module example.org/custom-vars\n\ngo 1.22\n',
    'main.go': 'package main\n\nimport "fmt"\n\nvar (\n\tappVersion string\n\tgitSHA     string\n\tbuiltOn    string\n\tbuiltBy    = "hand"\n)\n\nfunc main() { fmt.Println(appVersion, gitSHA, builtOn, builtBy) }\n',
  },
} as const;

async function shape(name: keyof typeof SHAPES, opts: { git?: boolean; remote?: string } = {}): Promise<string> {
  const dir = await writeTree(join(work, name), SHAPES[name]);
  if (opts.git !== false) {
    await commitAll(dir, 'initial');
    if (opts.remote) await execa('git', ['remote', 'add', 'origin', opts.remote], { cwd: dir });
  }
  return dir;
}

describe('release init, then release check, on fresh Go modules', () => {
  it('a main at the root: name, description, vendor and licence found, ldflags set what main declares', async () => {
    const dir = await shape('root');
    const r = await runRelease(['init'], { cwd: dir });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/project\.vendor\s+Greeter Makers Ltd\.\s+from LICENSE/);
    expect(r.stdout).toContain('release build --dev-cert');
    const cfg = parseConfig(await readFile(join(dir, 'release.yaml'), 'utf8'));
    expect(cfg.project).toMatchObject({ name: 'greeter', description: 'Says hello to whoever asks', vendor: 'Greeter Makers Ltd.', license: 'MIT' });
    expect(cfg.builds.map((b) => [b.id, b.main, b.binary, b.ldflags])).toEqual([['greeter', '.', 'greeter', '-s -w -X main.version={{.Version}} -X main.commit={{.Commit}}']]);
    expect(cfg.archives.files).toEqual(['README.md', 'LICENSE']);
    expect(cfg.msi?.upgradeCode).toMatch(/^[0-9A-F-]{36}$/);
    expect(cfg.winget).toBeUndefined(); // no forge remote: no download URL to name
    await commitAll(dir, 'release.yaml');
    const check = await runRelease(['check', '--json'], { cwd: dir });
    expect(check.exitCode, check.stdout + check.stderr).toBe(0);
    expect(JSON.parse(check.stdout)).toMatchObject({ ok: true, project: 'greeter', snapshot: true, problems: [] });
  });

  it('cmd/* with a version package and a GitHub remote: one build each, winget and Scoop download URLs', async () => {
    const dir = await shape('cmd', { remote: 'git@github.com:acme/tools.git' });
    const r = await runRelease(['init'], { cwd: dir });
    expect(r.exitCode, r.stderr).toBe(0);
    const cfg = parseConfig(await readFile(join(dir, 'release.yaml'), 'utf8'));
    expect(cfg.project).toMatchObject({ name: 'tools', vendor: 'Acme Tools Inc.', license: 'Apache-2.0', homepage: 'https://github.com/acme/tools', description: 'Acme tools: alpha and beta, for the command line' });
    expect(cfg.builds.map((b) => [b.id, b.main, b.ldflags])).toEqual([
      ['alpha', './cmd/alpha', '-s -w -X github.com/acme/tools/internal/version.Version={{.Version}} -X github.com/acme/tools/internal/version.Commit={{.Commit}}'],
      ['beta', './cmd/beta', '-s -w -X main.Version={{.Version}}'],
    ]);
    expect(cfg.winget?.baseUrl).toBe('https://github.com/acme/tools/releases/download/{{.Tag}}/');
    expect(cfg.scoop?.baseUrl).toBe('https://github.com/acme/tools/releases/download/{{.Tag}}/');
    await commitAll(dir, 'release.yaml', { tag: 'v1.2.0' });
    const check = await runRelease(['check'], { cwd: dir });
    expect(check.exitCode, check.stderr).toBe(0);
    expect(check.stdout).toMatch(/ready to build tools 1\.2\.0 for windows\/amd64, windows\/arm64, windows\/386/);
    expect(check.stdout).toMatch(/ok {3}winget/);
  });

  it('a /v2 module with its own variable names; nothing to take a vendor from but git', async () => {
    const dir = await shape('v2');
    const r = await runRelease(['init'], { cwd: dir });
    expect(r.exitCode, r.stderr).toBe(0);
    const text = await readFile(join(dir, 'release.yaml'), 'utf8');
    const cfg = parseConfig(text);
    expect(cfg.project.name).toBe('widget');
    expect(cfg.builds[0]).toMatchObject({ binary: 'widget', ldflags: '-s -w -X main.revision={{.Commit}} -X main.buildDate={{.Date}}' });
    // The author of the commit (test/support/cli.ts commits as "Test"), said to be a guess.
    expect(text).toContain('vendor: "Test"  # from the git author');
    expect(cfg.project.description).toBe('TODO: what widget does, in one line');
    expect(cfg.project.homepage).toBe('https://github.com/acme/widget');
    expect(cfg.winget).toBeUndefined(); // no licence: winget and Scoop require one
    await commitAll(dir, 'release.yaml');
    const snapshot = await runRelease(['check', '--json'], { cwd: dir });
    expect(snapshot.exitCode, snapshot.stdout).toBe(0);
    expect(JSON.parse(snapshot.stdout).warnings.join('\n')).toMatch(/release\.yaml:\d+:\d+: project\.description: "TODO: what widget does, in one line" is a placeholder .*fine for a snapshot/);
    const release = await runRelease(['check', '--version', '1.0.0'], { cwd: dir });
    expect(release.exitCode).toBe(2);
    expect(release.stderr).toMatch(/release\.yaml:\d+:\d+: project\.description: "TODO: what widget does, in one line" is a placeholder \(release init could not guess it\); a release would ship it/);
  });

  it('custom variables, no git, no licence: placeholders a release refuses, and a typo in msi.files is an error at its line', async () => {
    const dir = await shape('custom', { git: false });
    const r = await runRelease(['init'], { cwd: dir });
    expect(r.exitCode, r.stderr).toBe(0);
    const cfg = parseConfig(await readFile(join(dir, 'release.yaml'), 'utf8'));
    expect(cfg.builds[0]!.ldflags).toBe('-s -w -X main.appVersion={{.Version}} -X main.gitSHA={{.Commit}} -X main.builtOn={{.Date}} -X main.builtBy=winship');
    expect(cfg.project.vendor).toBe('TODO: your name or company');
    const env = { SOURCE_DATE_EPOCH: '1773500000' };
    const refused = await runRelease(['check', '--version', '1.0.0'], { cwd: dir, env });
    expect(refused.exitCode).toBe(2);
    expect(refused.stderr).toMatch(/release\.yaml:\d+:\d+: project\.vendor: "TODO: your name or company" is a placeholder/);
    // A literal path that names no file fails, with a near name; a wildcard only warns.
    await writeFile(join(dir, 'LICENSE'), MIT('Custom Vars'));
    await writeFile(join(dir, 'release.yaml'), `${(await readFile(join(dir, 'release.yaml'), 'utf8')).replace('vendor: "TODO: your name or company"', 'vendor: "Custom Vars"').replace('description: "TODO: what custom-vars does, in one line"', 'description: "Prints its build facts"')}\n`.replace(/^msi:\n/m, 'msi:\n  files: [LICENCE, "docs/*.md"]\n'));
    const typo = await runRelease(['check', '--version', '1.0.0'], { cwd: dir, env });
    expect(typo.exitCode).toBe(2);
    expect(typo.stderr).toMatch(/release\.yaml:\d+:\d+: msi\.files\[0\]: LICENCE {2}\(no such file; did you mean LICENSE\?\)/);
    expect(typo.stderr).not.toContain('docs/*.md');
  });
});

describe('release build --dev-cert with no network, then release verify', () => {
  let tools: string;
  let greeter: string;

  beforeAll(async () => {
    tools = join(work, 'cmd');
    greeter = join(work, 'root');
  });

  it('signs and timestamps everything with the local authority, writes valid winget and Scoop manifests', async () => {
    if (!existsSync(join(tools, 'release.yaml'))) return expect.fail('the init test for cmd/* did not run');
    const r = await offline(['build', '--dev-cert', '--json'], tools);
    expect(r.exitCode, r.stderr).toBe(0);
    const summary = JSON.parse(r.stdout);
    const signed = summary.artifacts.filter((a: { signature?: unknown }) => a.signature);
    expect(signed.map((a: { kind: string }) => a.kind).sort()).toEqual(['binary', 'binary', 'binary', 'binary', 'binary', 'binary', 'msi', 'msi', 'msi']);
    for (const a of signed) expect(a.signature).toMatchObject({ devCert: true, timestampServer: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\/tsa$/) });
    const dist = join(tools, 'dist');
    expect(JSON.parse(readFileSync(join(dist, 'metadata.json'), 'utf8'))).toMatchObject({ version: '1.2.0', devCert: true });

    // The manifests, read as winget and Scoop would, against their published schemas.
    const folder = join(dist, 'winget', 'manifests', 'a', 'AcmeToolsInc', 'Tools', '1.2.0');
    for (const [type, file] of [['version', 'AcmeToolsInc.Tools.yaml'], ['installer', 'AcmeToolsInc.Tools.installer.yaml'], ['defaultLocale', 'AcmeToolsInc.Tools.locale.en-US.yaml']] as const) {
      const doc = parseYaml(readFileSync(join(folder, file), 'utf8'));
      expect(compileManifestSchema(JSON.parse(readFileSync(wingetSchemaFile(type), 'utf8')))(doc), file).toEqual([]);
    }
    const installer = parseYaml(readFileSync(join(folder, 'AcmeToolsInc.Tools.installer.yaml'), 'utf8'));
    expect(installer.Installers.map((i: { Architecture: string }) => i.Architecture)).toEqual(['x86', 'x64', 'arm64']);
    const x64 = installer.Installers[1];
    expect(x64.InstallerUrl).toBe('https://github.com/acme/tools/releases/download/v1.2.0/tools_1.2.0_x64.msi');
    expect(x64.InstallerSha256).toBe(sha(readFileSync(join(dist, 'tools_1.2.0_x64.msi'))).toUpperCase());
    const property = (await execa('msiinfo', ['export', join(dist, 'tools_1.2.0_x64.msi'), 'Property'])).stdout;
    expect(property).toContain(`ProductCode\t${x64.ProductCode}`);
    const scoop = JSON.parse(readFileSync(join(dist, 'scoop', 'tools.json'), 'utf8'));
    expect(compileManifestSchema(JSON.parse(readFileSync(SCOOP_SCHEMA_FILE, 'utf8')))(scoop)).toEqual([]);
    expect(scoop).toMatchObject({
      version: '1.2.0',
      license: 'Apache-2.0',
      bin: ['alpha.exe', 'beta.exe'],
      checkver: { github: 'https://github.com/acme/tools' },
      architecture: { '64bit': { url: 'https://github.com/acme/tools/releases/download/v1.2.0/tools_1.2.0_windows_amd64.zip', hash: sha(readFileSync(join(dist, 'tools_1.2.0_windows_amd64.zip'))) } },
      autoupdate: { hash: { url: 'https://github.com/acme/tools/releases/download/v$version/tools_$version_checksums.txt' } },
    });
    // Covered by the checksums like every release file.
    await execa('sha256sum', ['-c', 'tools_1.2.0_checksums.txt'], { cwd: dist });
    expect(readFileSync(join(dist, 'tools_1.2.0_checksums.txt'), 'utf8')).toContain('  scoop/tools.json\n');

    const v = await runRelease(['verify', '--no-wine', '--json'], { cwd: tools });
    expect(v.exitCode, v.stdout).toBe(0);
    const results = JSON.parse(v.stdout).results as { check: string; subject: string; verdict: string }[];
    const verdicts = (check: string) => results.filter((x) => x.check === check && x.subject !== 'release').map((x) => x.verdict);
    expect(verdicts('signature')).toEqual(Array(9).fill('ok'));
    expect(verdicts('msi')).toEqual(['ok', 'ok', 'ok']);
    expect(verdicts('winget')).toEqual(['ok', 'ok', 'ok']);
    expect(verdicts('scoop')).toEqual(['ok']);
    expect(results).toContainEqual(expect.objectContaining({ check: 'release', verdict: 'warn', detail: expect.stringContaining('not publishable') }));
  });

  it('release channels writes the manifests again for another server, and the checksums with them', async () => {
    const dist = join(tools, 'dist');
    if (!existsSync(join(dist, 'scoop', 'tools.json'))) return expect.fail('the release was not built');
    const r = await runRelease(['channels', '--base-url', 'https://dl.example.com/tools/{{.Version}}', '--only', 'scoop'], { cwd: tools });
    expect(r.exitCode, r.stderr).toBe(0);
    const scoop = JSON.parse(readFileSync(join(dist, 'scoop', 'tools.json'), 'utf8'));
    expect(scoop.architecture['32bit'].url).toBe('https://dl.example.com/tools/1.2.0/tools_1.2.0_windows_386.zip');
    expect(scoop.autoupdate.architecture['32bit'].url).toBe('https://dl.example.com/tools/$version/tools_$version_windows_386.zip');
    const sums = readFileSync(join(dist, 'tools_1.2.0_checksums.txt'), 'utf8');
    expect(sums).toContain(`${sha(readFileSync(join(dist, 'scoop', 'tools.json')))}  scoop/tools.json\n`);
    // The winget manifests were left as they were.
    expect(readFileSync(join(dist, 'winget', 'manifests', 'a', 'AcmeToolsInc', 'Tools', '1.2.0', 'AcmeToolsInc.Tools.installer.yaml'), 'utf8')).toContain('https://github.com/acme/tools/releases/download/v1.2.0/');
    const bad = await runRelease(['channels', '--base-url', 'ftp://dl.example.com/'], { cwd: tools });
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toContain('--base-url ftp://dl.example.com/: "ftp://dl.example.com/" is a ftp: URL');
  });

  it('a good release passes verify, its MSI installed, run and removed under Wine', async () => {
    const built = await offline(['build', '--dev-cert', '--targets', 'windows/amd64'], greeter);
    expect(built.exitCode, built.stderr).toBe(0);
    const v = await runRelease(['verify'], { cwd: greeter });
    expect(v.exitCode, v.stdout).toBe(0);
    expect(v.stdout).toMatch(/ok {4}signature {2}greeter_windows_amd64\/greeter\.exe: CN=winship development certificate - NOT FOR RELEASE, sha256, timestamp /);
    expect(v.stdout).toMatch(/ok {4}msi {8}greeter_0\.0\.1-SNAPSHOT-[0-9a-f]{7}_x64\.msi: ProductCode \{[0-9A-F-]{36}\}, version 0\.0\.1, 3 files, Template x64;1033 \(msiinfo\)/);
    if (await haveWine()) {
      expect(v.stdout).toMatch(/ok {4}install {4}greeter_.*_x64\.msi: installed 3 files \(greeter\.exe\) in C:\/Program Files\/greeter; greeter\.exe --version: exit 0, printed "greeter 0\.0\.1-SNAPSHOT-[0-9a-f]{7} \([0-9a-f]{40}\)"; uninstalled, nothing left/);
    }
    expect(v.stdout).toMatch(/^verified: greeter 0\.0\.1-SNAPSHOT-[0-9a-f]{7}, 4 files: \d+ passed, 0 failed/m);
  });

  it('fails a release broken on purpose: a file changed after signing, an unsigned exe', async () => {
    const dist = join(greeter, 'dist');
    if (!existsSync(join(dist, '.winship', 'state.json'))) return expect.fail('the good release was not built');
    // A byte of the signed exe flipped after the release was made.
    const changed = join(work, 'changed');
    await cp(dist, changed, { recursive: true });
    const exe = join(changed, 'greeter_windows_amd64', 'greeter.exe');
    const bytes = readFileSync(exe);
    bytes[4096] = bytes[4096]! ^ 0xff;
    await writeFile(exe, bytes);
    const v1 = await runRelease(['verify', changed, '--no-wine'], { cwd: work });
    expect(v1.exitCode).toBe(1);
    expect(v1.stdout).toMatch(/FAIL {2}files {6}greeter_windows_amd64\/greeter\.exe: changed after it was recorded/);
    expect(v1.stdout).toMatch(/FAIL {2}checksums {2}greeter_.*_checksums\.txt: sha256sum: greeter_windows_amd64\/greeter\.exe: FAILED/);
    expect(v1.stdout).toMatch(/FAIL {2}signature {2}greeter_windows_amd64\/greeter\.exe: the signature does not verify/);
    expect(v1.stdout).toContain('NOT verified');

    // A release whose exes were never signed (the MSI is): consistent records, still refused.
    const unsigned = join(work, 'unsigned');
    await cp(greeter, unsigned, { recursive: true, filter: (p) => !p.includes(`${join(greeter, 'dist')}`) });
    const built = await offline(['build', '--dev-cert', '--skip', 'sign', '--targets', 'windows/amd64'], unsigned);
    expect(built.exitCode, built.stderr).toBe(0);
    const v2 = await runRelease(['verify', '--no-wine'], { cwd: unsigned });
    expect(v2.exitCode).toBe(1);
    expect(v2.stdout).toMatch(/FAIL {2}signature {2}greeter_windows_amd64\/greeter\.exe: not signed \(osslsigncode 2\.\d+ verify: /);
    expect(v2.stdout).toMatch(/ok {4}signature {2}greeter_.*_x64\.msi: CN=winship development certificate/);
    expect(v2.stdout).toMatch(/ok {4}files {6}4 files/);
  });

  it.runIf(existsSync(WINE64))('fails a release whose installed exe does not start', async () => {
    const dir = await writeTree(join(work, 'nostart'), {
      'go.mod': 'module example.com/nostart\n\ngo 1.22\n',
      // Needs a DLL no Windows has: the loader gives up before main, as with a missing dependency.
      'main.go': 'package main\n\nimport "syscall"\n\nvar version = "dev"\n\nfunc init() { syscall.MustLoadDLL("winship-missing-dependency.dll") }\n\nfunc main() { println(version) }\n',
      LICENSE: MIT('No Start'),
      '.gitignore': 'dist/\n',
    });
    await commitAll(dir, 'initial');
    expect((await runRelease(['init'], { cwd: dir })).exitCode).toBe(0);
    await commitAll(dir, 'release.yaml');
    const built = await offline(['build', '--dev-cert', '--targets', 'windows/amd64'], dir);
    expect(built.exitCode, built.stderr).toBe(0);
    const v = await runRelease(['verify'], { cwd: dir });
    expect(v.exitCode).toBe(1);
    expect(v.stdout).toMatch(/FAIL {2}install {4}nostart_.*_x64\.msi: installed 2 files \(nostart\.exe\) in C:\/Program Files\/nostart; does not start: nostart\.exe --version: exit 2: panic: Failed to load winship-missing-dependency\.dll/);
    // Everything else about it is fine.
    expect(v.stdout).toMatch(/ok {4}signature {2}nostart_windows_amd64\/nostart\.exe/);
  });
});

describe('release doctor', () => {
  it('names a tool missing from PATH with the command that installs it, and exits 1', async () => {
    const bin = join(work, 'path-without-osslsigncode');
    await mkdir(bin, { recursive: true });
    for (const tool of ['go', 'git', 'wixl', 'msibuild', 'msiinfo', 'xmllint', 'sha256sum', 'x86_64-w64-mingw32-gcc']) {
      const found = (await execa('sh', ['-c', `command -v ${tool}`], { reject: false })).stdout.trim();
      if (found) await symlink(found, join(bin, tool));
    }
    const dir = join(work, 'root');
    const r = await runRelease(['doctor', '--no-probe'], { cwd: dir, env: { PATH: bin } });
    expect(r.exitCode, r.stdout).toBe(1);
    expect(r.stdout).toMatch(/FAIL {2}osslsigncode {4}not found: apt-get install osslsigncode/);
    expect(r.stdout).toMatch(/ok {4}go {14}go1\.\d+/);
    expect(r.stdout).toMatch(/ok {4}msi backend {5}native 1 builds /);
    const all = await runRelease(['doctor', '--no-probe', '--json'], { cwd: dir, env: { PATH: `${bin}${delimiter}${dirname((await execa('sh', ['-c', 'command -v osslsigncode'])).stdout.trim())}` } });
    expect(JSON.parse(all.stdout).findings.filter((f: { status: string }) => f.status === 'fail')).toEqual([]);
  });

  it('release build without release.yaml points to release init', async () => {
    const empty = join(work, 'empty');
    await mkdir(empty, { recursive: true });
    const r = await runRelease(['build'], { cwd: empty });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('run "release init" to write one');
  });
});
