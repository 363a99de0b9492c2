import { execa } from 'execa';
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { XMLParser } from 'fast-xml-parser';
import { beforeAll, describe, expect, it } from 'vitest';
import { programName } from '../../src/starter/goSource.js';
import { renderStarterConfig } from '../../src/starter/starterConfig.js';
import { parseConfig } from '../../src/config/load.js';
import { wix3Xsd } from '../fixtures/schemas/paths.js';
import { runRelease } from '../support/cli.js';

const CODE = '6E1F3C2A-9B7D-4E8F-A1B2-C3D4E5F60718';
let work: string;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'winship-cmd-'));
});

describe('release harvest', () => {
  it('prints the same valid fragment every time, with escaped names and derived GUIDs', async () => {
    const dir = join(work, 'h');
    await mkdir(join(dir, 'payload', 'sub', 'empty'), { recursive: true });
    await writeFile(join(dir, 'payload', "R&D it's café.txt"), 'a');
    await writeFile(join(dir, 'payload', 'sub', 'tool.exe'), 'b');
    await writeFile(join(dir, 'payload', 'sub', 'skip.pdb'), 'c');
    const args = ['harvest', 'payload', '--upgrade-code', CODE, '--exclude', '**/*.pdb', '--arch', 'x86'];
    const a = await runRelease(args, { cwd: dir });
    const b = await runRelease(args, { cwd: dir });
    expect(a.exitCode, a.stderr).toBe(0);
    expect(b.stdout).toBe(a.stdout);
    expect(a.stdout).toContain('Name="R&amp;D it&apos;s café.txt" Source="payload/R&amp;D it&apos;s café.txt"');
    expect(a.stdout).not.toContain('skip.pdb');
    expect(a.stdout).not.toContain('Win64');
    const doc = new XMLParser({ ignoreAttributes: false }).parse(a.stdout);
    expect(doc.Wix.Fragment[1].ComponentGroup.ComponentRef).toHaveLength(3);
    await writeFile(join(dir, 'f.wxs'), a.stdout);
    const v = await execa('xmllint', ['--noout', '--schema', wix3Xsd, join(dir, 'f.wxs')], { reject: false });
    expect(v.stderr).toContain('f.wxs validates');
    const x64 = await runRelease(['harvest', 'payload', '--upgrade-code', CODE, '--exclude', '**/*.pdb', '-o', 'out.wxs'], { cwd: dir });
    expect(x64.stdout).toBe('');
    const out = await readFile(join(dir, 'out.wxs'), 'utf8');
    expect(out.match(/Win64="yes"/g)).toHaveLength(3);
    // Another architecture, another component code for the same file (the component rules).
    const guid = (xml: string) => /Guid="([0-9A-F-]+)"[^>]*>\s*<File Id="[^"]+" Name="tool.exe"/.exec(xml)?.[1];
    expect(guid(out)).toMatch(/^[0-9A-F-]{36}$/);
    expect(guid(out)).not.toBe(guid(a.stdout));
  });

  it('refuses names Windows cannot hold and asks for an UpgradeCode', async () => {
    const dir = join(work, 'bad');
    await mkdir(join(dir, 'p'), { recursive: true });
    await writeFile(join(dir, 'p', 'aux.txt'), 'x');
    await writeFile(join(dir, 'p', 'trailing.'), 'x');
    const r = await runRelease(['harvest', 'p', '--upgrade-code', CODE], { cwd: dir });
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain('aux.txt');
    expect(r.stderr).toContain('trailing.');
    const noCode = await runRelease(['harvest', 'p'], { cwd: dir });
    expect(noCode.exitCode).toBe(2);
    expect(noCode.stderr).toContain('pass --upgrade-code GUID');
    const missing = await runRelease(['harvest', 'nope', '--upgrade-code', CODE], { cwd: dir });
    expect(missing.exitCode).toBe(1);
    expect(missing.stderr).toContain('does not exist');
  });
});

describe('release init', () => {
  it('creates a starter release.yaml with a new UpgradeCode, then keeps it', async () => {
    const dir = join(work, 'init1');
    await mkdir(dir);
    await writeFile(join(dir, 'go.mod'), 'module github.com/acme/widget-cli\n\ngo 1.22\n');
    const r = await runRelease(['init'], { cwd: dir });
    expect(r.exitCode, r.stderr).toBe(0);
    const text = await readFile(join(dir, 'release.yaml'), 'utf8');
    const cfg = parseConfig(text);
    expect(cfg.project.name).toBe('widget-cli');
    expect(cfg.msi?.upgradeCode).toMatch(/^[0-9A-F]{8}-[0-9A-F]{4}-4[0-9A-F]{3}-[89AB][0-9A-F]{3}-[0-9A-F]{12}$/);
    expect(r.stdout).toContain(`msi.upgradeCode: ${cfg.msi!.upgradeCode}`);
    const again = await runRelease(['init'], { cwd: dir });
    expect(again.stdout).toContain('kept the msi.upgradeCode already in');
    expect(await readFile(join(dir, 'release.yaml'), 'utf8')).toBe(text);
  });

  it('names the project after the module, skipping a /vN suffix, and writes a valid file for any name', async () => {
    expect(programName('github.com/acme/tool/v2')).toBe('tool');
    expect(programName('v2')).toBe('v2');
    expect(programName('example.com/1.5')).toBe('1.5');
    // "1.5" unquoted would be read back as the number 1.5.
    const starter = renderStarterConfig({ name: '1.5', builds: [{ id: '1-5', main: '.', binary: '1.5', gui: false, ldflags: '-s -w', sets: [] }], files: [], upgradeCode: CODE, sources: ['go.mod'] });
    expect(parseConfig(starter).project.name).toBe('1.5');
  });

  it('adds an UpgradeCode to an existing file and keeps its comments', async () => {
    const dir = join(work, 'init2');
    await mkdir(dir);
    await writeFile(join(dir, 'release.yaml'), '# my release\nproject:\n  name: tool # the name\n  vendor: Acme\nbuilds:\n  - {}\nmsi:\n  scope: perUser\n');
    const r = await runRelease(['init'], { cwd: dir });
    expect(r.exitCode, r.stderr).toBe(0);
    const text = await readFile(join(dir, 'release.yaml'), 'utf8');
    expect(text).toContain('# my release');
    expect(text).toContain('name: tool # the name');
    expect(parseConfig(text).msi).toMatchObject({ scope: 'perUser', upgradeCode: expect.stringMatching(/^[0-9A-F-]{36}$/) });
  });
});
