import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { StageError } from '../errors.js';
import type { WixArch } from '../wix/arch.js';
import { summaryPlatform } from '../wix/arch.js';
import type { ToolRunner } from '../tools/runner.js';
import { candle, candleArgs, light, lightArgs, parseWix3Banner } from '../tools/wix3.js';
import { parseWixVersion, wix, wixBuildArgs, wixConvertArgs } from '../tools/wix.js';
import { msibuild, msibuildSummaryArgs, wixl, wixlArgs } from '../tools/wixl.js';

export type BackendId = 'wixl' | 'wix3' | 'wix';

/** What a package asks of its backend: checked before any tool runs. */
export interface MsiFeatures {
  arch: WixArch;
  addToPath: boolean;
  license: boolean;
  ui: boolean;
  /** A registry value of type expandable (REG_EXPAND_SZ). */
  expandableRegistry: boolean;
}

export interface BackendBuild {
  /** Holds the sources; Source paths in them are relative to it (wixl needs that). */
  workDir: string;
  sources: readonly string[];
  output: string;
  arch: WixArch;
  ui: boolean;
  subject: string;
  author: string;
  language: number;
  packageCode: string;
  /** The backend version found by `version()`. */
  toolVersion?: string;
  signal?: AbortSignal;
}

export interface MsiBackend {
  id: BackendId;
  /** Read-only version query; undefined in a dry run (nothing is run). */
  version(runner: ToolRunner, cwd: string): Promise<string | undefined>;
  /** Problems with `features` for this backend version, each naming what to do instead. */
  unsupported(features: MsiFeatures, version: string | undefined): string[];
  build(runner: ToolRunner, b: BackendBuild): Promise<void>;
}

function versionAtLeast(version: string | undefined, min: readonly number[]): boolean {
  if (version === undefined) return true;
  const parts = version.split('.').map(Number);
  for (let i = 0; i < min.length; i++) {
    const have = parts[i] ?? 0;
    if (have !== min[i]) return have > min[i]!;
  }
  return true;
}

const ON_WINDOWS = 'use backend "wix" (WiX v4+) or "wix3" (WiX 3.14) on a Windows machine';

export const wixlBackend: MsiBackend = {
  id: 'wixl',
  async version(runner, cwd) {
    if (runner.dryRun) return undefined;
    return (await runner.run({ tool: wixl, args: ['--version'], cwd, readOnly: true, timeoutMs: 30_000 })).stdout.trim();
  },
  unsupported(f, version) {
    const v = `wixl ${version ?? '(any version)'}`;
    const problems: string[] = [];
    // Measured on 0.101: unknown elements abort wixl with SIGTRAP (exit 133), so refuse first.
    if (f.addToPath && !versionAtLeast(version, [0, 105])) problems.push(`addToPath: ${v} has no Environment element (added in wixl 0.105) and would abort; ${ON_WINDOWS}, or upgrade msitools`);
    if (f.license) problems.push(`license: ${v} cannot show a license (no WixVariable/UI support); ${ON_WINDOWS}, or drop msi.license`);
    if (f.ui) problems.push(`ui: ${v} has no WiX UI dialogs; ${ON_WINDOWS}, or set msi.ui: false`);
    // Measured on 0.101: it drops the #% prefix, so the value lands as a plain REG_SZ.
    if (f.expandableRegistry) problems.push(`registry type expandable: ${v} writes it as a plain string (REG_SZ), so %VARS% would never expand; ${ON_WINDOWS}, or use type string`);
    return problems;
  },
  async build(runner, b) {
    // wixl has no arm64 (0.101: "arch of type 'arm64' is not supported"). An arm64 package is
    // the x64 database (64-bit components, InstallerVersion 500, ProgramFiles64Folder) whose
    // summary Template says Arm64 — which msibuild sets below, with the PackageCode.
    const wixlArch = b.arch === 'x86' ? 'x86' : 'x64';
    await runner.run({ tool: wixl, args: wixlArgs({ arch: wixlArch, output: b.output, sources: b.sources }), cwd: b.workDir, signal: b.signal, timeoutMs: 60 * 60_000, subject: `${b.arch} MSI` });
    await runner.run({
      tool: msibuild,
      args: msibuildSummaryArgs({ msi: b.output, subject: b.subject, author: b.author, template: `${summaryPlatform(b.arch)};${b.language}`, packageCode: b.packageCode }),
      cwd: b.workDir,
      signal: b.signal,
      timeoutMs: 5 * 60_000,
    });
  },
};

export const wix3Backend: MsiBackend = {
  id: 'wix3',
  async version(runner, cwd) {
    if (runner.dryRun) return undefined;
    const r = await runner.run({ tool: candle, args: ['-?'], cwd, readOnly: true, timeoutMs: 60_000, okExitCodes: [0, 1] });
    return parseWix3Banner(r.stdout + r.stderr);
  },
  unsupported(f, version) {
    return f.arch === 'arm64' && !versionAtLeast(version, [3, 14])
      ? [`arm64: WiX ${version} cannot build ARM64 packages (candle -arch arm64 arrived in 3.14); install WiX 3.14 or use backend "wix"`]
      : [];
  },
  async build(runner, b) {
    const objDir = join(b.workDir, 'obj');
    await runner.run({ tool: candle, args: candleArgs({ arch: b.arch, objDir, sources: b.sources }), cwd: b.workDir, signal: b.signal, timeoutMs: 60 * 60_000 });
    const objects = b.sources.map((s) => join(objDir, s.replace(/\.wxs$/, '.wixobj')));
    await runner.run({ tool: light, args: lightArgs({ output: b.output, objects, ui: b.ui }), cwd: b.workDir, signal: b.signal, timeoutMs: 60 * 60_000 });
  },
};

export const WIX4_NAMESPACE = 'http://wixtoolset.org/schemas/v4/wxs';

export const wixBackend: MsiBackend = {
  id: 'wix',
  async version(runner, cwd) {
    if (runner.dryRun) return undefined;
    return parseWixVersion((await runner.run({ tool: wix, args: ['--version'], cwd, readOnly: true, timeoutMs: 60_000 })).stdout);
  },
  unsupported: () => [],
  async build(runner, b) {
    // `wix convert` reports each rewrite as a message (older builds label them "error") and may
    // exit non-zero; what matters is that the files now use the v4 schema, so check that.
    await runner.run({ tool: wix, args: wixConvertArgs(b.sources), cwd: b.workDir, signal: b.signal, timeoutMs: 10 * 60_000, okExitCodes: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10] });
    if (!runner.dryRun) {
      for (const s of b.sources) {
        const text = await readFile(join(b.workDir, s), 'utf8');
        if (!text.includes(WIX4_NAMESPACE)) throw new StageError(`wix convert did not convert ${s} to the WiX v4 schema; build it with backend "wix3", or give msi.template in v4 form`);
      }
    }
    const major = Number(b.toolVersion?.split('.')[0] ?? 0);
    await runner.run({
      tool: wix,
      args: wixBuildArgs({ arch: b.arch, output: b.output, sources: b.sources, ui: b.ui, acceptEula: major >= 7 ? 'wix7' : undefined }),
      cwd: b.workDir,
      signal: b.signal,
      timeoutMs: 60 * 60_000,
    });
  },
};

export const BACKENDS: Record<BackendId, MsiBackend> = { wixl: wixlBackend, wix3: wix3Backend, wix: wixBackend };

/** auto: WiX on Windows (v4+ `wix` first, then v3 candle/light), wixl everywhere else. */
export function chooseBackend(configured: 'auto' | BackendId, platform: NodeJS.Platform, has: (command: string) => boolean): BackendId {
  if (configured !== 'auto') return configured;
  if (platform !== 'win32') return 'wixl';
  if (has('wix')) return 'wix';
  if (has('candle')) return 'wix3';
  throw new StageError(`no WiX found on PATH: install WiX v4+ (${wix.install}) or WiX 3.14 (${candle.install})`);
}
