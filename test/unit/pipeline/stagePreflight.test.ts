import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ResEdit from 'resedit';
import { describe, expect, it } from 'vitest';
import { icoProblem } from '../../../src/pe/ico.js';
import { STRING_TABLE_MAX_BYTES, stringTableBytes, versionInfoOverflow } from '../../../src/pe/versionInfoSize.js';
import { installedTargetProblems, msiProductVersion, payloadOf, packageBinaries } from '../../../src/stages/msiSetup.js';
import { releaseNamesProblem } from '../../../src/stages/goBuild.js';
import { versionResources } from '../../../src/stages/versionResources.js';
import { ProblemsError, UsageError } from '../../../src/util/errors.js';
import { parseSemver, toWindowsFileVersion } from '../../../src/version/semver.js';
import { makeIco } from '../../support/ico.js';
import { testContext } from '../../support/context.js';
import { repoRoot } from '../../support/paths.js';

// What each stage refuses before anything builds, with release.yaml positions: the version
// mapping, the files a shortcut or service starts, the VERSIONINFO strings and the icon.

const thrown = (fn: () => unknown): Error => {
  try {
    fn();
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected an error');
};
const rejection = async (p: Promise<unknown> | void): Promise<Error> =>
  Promise.resolve(p).then(() => expect.unreachable('expected a rejection'), (err: Error) => err);

const MSI_YAML = (extra = '') =>
  `project:\n  name: app\n  vendor: Test Vendor\nversion: 1.2.3\nbuilds:\n  - binary: app\n  - id: tool\n    binary: tool\n    targets: [windows/amd64]\nmsi:\n  upgradeCode: 8B0C2D4E-1A2B-4C3D-9E8F-0123456789AB\n${extra}`;

describe('the MSI version mapping', () => {
  it.each([
    ['config', '256.0.0', 'release.yaml:4:10: version: 256.0.0: cannot be the MSI ProductVersion: Version "256.0.0": major 256 is above the MSI ProductVersion limit 255 (major.minor.build must be at most 255.255.65535). Release a version within 255.255.65535, or leave the MSIs out of this release (msi.disabled: true, or --skip msi).'],
    ['flag', '1.300.0', '--version 1.300.0: cannot be the MSI ProductVersion: Version "1.300.0": minor 300 is above the MSI ProductVersion limit 255'],
    ['tag', '1.2.70000', 'the git tag v1.2.70000 on HEAD: cannot be the MSI ProductVersion: Version "1.2.70000": patch 70000 is above the MSI ProductVersion limit 65535'],
    ['tag', '1.2.3-rc.1', 'has a pre-release part ("-rc.1"), which an MSI ProductVersion (major.minor.build, numbers only) cannot hold. Release a final version, or choose a pre-release mapping: strip (→ 1.2.3) or patch-offset. Set msi.prerelease (strip or patch-offset) to map pre-releases (release.yaml:11:3: msi.prerelease).'],
  ] as const)('a version from the %s over the limits is a UsageError naming the version, the limit and what to change: %s', (source, version, message) => {
    const { ctx } = testContext({ yaml: MSI_YAML(), release: { version, semver: parseSemver(version)!, versionSource: source, tag: `v${version}` } });
    const err = thrown(() => msiProductVersion(ctx, ctx.config.msi!));
    expect(err).toBeInstanceOf(UsageError);
    expect(err.message).toContain(message);
  });

  it('a version over 65535 is refused by the Windows file version, not with a RangeError', () => {
    const err = thrown(() => toWindowsFileVersion(parseSemver('1.70000.0')!));
    expect(err).toBeInstanceOf(UsageError);
    expect(err.message).toBe('version 1.70000.0: minor 70000 is above 65535: Windows keeps each part of a file version (VERSIONINFO FILEVERSION) in 16 bits');
  });
});

describe('files the shortcut and the service start', () => {
  const problemsFor = (extra: string) => {
    const { ctx } = testContext({ yaml: MSI_YAML(extra) });
    const payloads = new Map((['amd64', '386'] as const).map((a) => [a, payloadOf(ctx, packageBinaries(ctx, a), [{ name: 'README.md', sourcePath: '/p/README.md' }])] as const));
    return installedTargetProblems(ctx, ctx.config.msi!, payloads).map((e) => e.message);
  };

  it('accepts a build\'s exe (any case, as Windows) and a payload file', () => {
    expect(problemsFor('  shortcut:\n    target: APP.exe\n  service:\n    binary: app.exe\n    name: svc\n')).toEqual([]);
    expect(problemsFor('  shortcut:\n    target: README.md\n')).toEqual([]);
  });

  it('refuses a file no package installs, and one missing from some packages, at its key', () => {
    expect(problemsFor('  shortcut:\n    target: nope.exe\n')).toEqual([
      'release.yaml:13:13: msi.shortcut.target: "nope.exe", the file the Start-menu shortcut opens, is not a file the MSI installs (it installs: app.exe, tool.exe, README.md); name one of them, e.g. a build\'s .exe, or add the file to msi.files',
    ]);
    const [tool] = problemsFor('  service:\n    binary: tool.exe\n    name: svc\n');
    expect(tool).toContain('release.yaml:13:13: msi.service.binary: "tool.exe", the file that runs as the service, is not a file the x86 MSI installs');
  });
});

describe('VERSIONINFO strings', () => {
  it('are measured as resedit writes them', () => {
    for (const description of ['', 'x', 'Fixture console app', 'd'.repeat(5000)]) {
      const strings = { CompanyName: 'V', FileDescription: description, FileVersion: '1.2.3', ProductName: 'app' };
      const vi = ResEdit.Resource.VersionInfo.createEmpty();
      vi.lang = 1033;
      vi.setStringValues({ lang: 1033, codepage: 1200 }, strings);
      const entries: ResEdit.NtExecutableResource['entries'] = [];
      vi.outputToResourceEntries(entries);
      expect(entries[0]!.bin.byteLength).toBe(stringTableBytes(strings) + 196);
    }
  });

  it('past the limit resedit drops a string silently: that is why it is refused first', () => {
    const strings = { CompanyName: 'V', FileDescription: 'd'.repeat(40_000) };
    expect(versionInfoOverflow(strings)).toEqual({ bytes: stringTableBytes(strings), max: STRING_TABLE_MAX_BYTES });
    const vi = ResEdit.Resource.VersionInfo.createEmpty();
    vi.setStringValues({ lang: 1033, codepage: 1200 }, strings);
    const entries: ResEdit.NtExecutableResource['entries'] = [];
    vi.outputToResourceEntries(entries);
    const back = ResEdit.Resource.VersionInfo.fromEntries(entries)[0]!.getStringValues({ lang: 1033, codepage: 1200 });
    expect(back.FileDescription).toBeUndefined();
    expect(versionInfoOverflow({ CompanyName: 'V', FileDescription: 'd'.repeat(30_000) })).toBeUndefined();
  });
});

describe('the version resources preflight', () => {
  const withIcon = (icon: Buffer | undefined, description = 'Console app', version = '1.2.3') => {
    const yaml = `project:\n  name: app\n  vendor: V\nbuilds:\n  - binary: app\n    resources:\n      description: ${description}\n${icon ? '      icon: app.ico\n' : ''}`;
    const { ctx } = testContext({ yaml, release: { version, semver: parseSemver(version)!, versionSource: 'flag' } });
    if (icon) writeFileSync(join(ctx.projectDir, 'app.ico'), icon);
    return ctx;
  };

  it('passes a good icon and short strings', async () => {
    await versionResources.prepare!(withIcon(makeIco()));
    await versionResources.prepare!(withIcon(readFileSync(join(repoRoot, 'test', 'fixtures', 'goapp', 'app.ico'))));
  });

  it('reports the file version, an over-long FileDescription and a PNG posing as an icon together, each at its key', async () => {
    const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]);
    const err = (await rejection(versionResources.prepare!(withIcon(png, 'd'.repeat(40_000), '1.70000.0')))) as ProblemsError;
    expect(err).toBeInstanceOf(ProblemsError);
    expect(err.exitCode).toBe(2);
    const messages = err.problems.map((p) => p.message);
    expect(messages[0]).toBe('--version 1.70000.0: minor 70000 is above 65535: Windows keeps each part of a file version (VERSIONINFO FILEVERSION) in 16 bits; give a version whose numbers are at most 65535, or set resources.disabled on every build');
    expect(messages[1]).toMatch(/^release\.yaml:7:20: builds\[0\]\.resources\.description: FileDescription is 40,000 characters: the VERSIONINFO strings of app\.exe would take 80,\d{3} bytes, and a version resource holds 65,339 for them/);
    expect(messages[2]).toMatch(/^release\.yaml:8:13: builds\[0\]\.resources\.icon: .*app\.ico: it is a PNG image, not a Windows icon \(\.ico\); give a Windows \.ico file/);
  });

  it('refuses a folder named as the icon without opening it', async () => {
    const ctx = withIcon(undefined);
    mkdirSync(join(ctx.projectDir, 'icon.ico'));
    const yamlCtx = testContext({ yaml: 'project:\n  name: app\nbuilds:\n  - resources:\n      icon: icon.ico\n', projectDir: ctx.projectDir }).ctx;
    // The payload rules refuse it (lstat/stat only), and the icon is then not read at all.
    expect((await rejection(versionResources.prepare!(yamlCtx))).message).toContain('not regular files, refused without being opened:\n    - builds[0].resources.icon: icon.ico  (a folder)');
  });
});

describe('icoProblem', () => {
  const ico = makeIco();
  it.each([
    ['a good icon', ico, undefined],
    ['an empty file', Buffer.alloc(0), 'the file is empty'],
    ['a cursor', Buffer.from([0, 0, 2, 0, 1, 0]), 'it is a cursor (.cur), not an icon'],
    ['a JPEG', Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 0]), 'it is a JPEG image, not a Windows icon (.ico)'],
    ['an SVG', Buffer.from('<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg"/>'), 'it is an SVG drawing'],
    ['text', Buffer.from('not an icon at all'), 'it is not a Windows icon (.ico): it does not start like one'],
    ['no images', Buffer.from([0, 0, 1, 0, 0, 0]), 'the icon holds no images'],
    ['a cut directory', ico.subarray(0, 10), 'the file is cut short: its directory lists 1 images'],
    ['a cut image', ico.subarray(0, ico.length - 10), 'image 1 of 1 lies at bytes 22-'],
  ])('%s', (_what, bytes, problem) => {
    if (problem === undefined) expect(icoProblem(bytes)).toBeUndefined();
    else expect(icoProblem(bytes)).toContain(problem);
  });
});

describe('release file names', () => {
  it('must fit in a file name with the version in them', () => {
    const long = `1.0.0-${'a'.repeat(240)}`;
    const { ctx } = testContext({ release: { version: long, semver: parseSemver(long)!, versionSource: 'flag' } });
    expect(releaseNamesProblem(ctx)?.message).toMatch(/^--version 1\.0\.0-a+: the release files would be named like app_1\.0\.0-a+… \(268 characters\), and a file name holds 255/);
    expect(releaseNamesProblem(testContext().ctx)).toBeUndefined();
  });
});
