import { versionAtLeast } from '../util/versions.js';
import type { WixArch } from './wix/arch.js';
import type { HarvestModel } from './wix/harvest.js';
import { summaryPlatform } from './wix/arch.js';
import type { ToolRunner } from '../tools/runner.js';
import { buildWithWix3, wix3Version } from '../tools/wix3.js';
import { buildWithWix, wixVersion } from '../tools/wix.js';
import { buildWithWixl, wixlVersion } from '../tools/wixl.js';

// What each MSI backend can build, and which one a platform gets. Running the builders is the
// adapters' job (src/tools/wixl.ts, wix3.ts, wix.ts).

export type BackendId = 'native' | 'wixl' | 'wix3' | 'wix';

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
  /** The release date: the native backend writes it as every date in the package. */
  date: Date;
  /** The harvest behind payload.wxs: the native backend reads it instead of the XML. */
  harvest?: HarvestModel;
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

/** A backend version ("0.101", "3.14.1.8722") is `min` or newer; unknown (a dry run) counts as new enough. */
function backendAtLeast(version: string | undefined, min: readonly number[]): boolean {
  return version === undefined || versionAtLeast(version.split('.').map(Number), min);
}

const ON_WINDOWS = 'use backend "wix" (WiX v4+) or "wix3" (WiX 3.14) on a Windows machine';

/** Our own writer (src/msi/native): no tool to run, the same bytes on every OS. */
export const nativeBackend: MsiBackend = {
  id: 'native',
  version: async () => NATIVE_VERSION,
  unsupported(f) {
    const problems: string[] = [];
    if (f.license) problems.push(`license: the native backend has no install dialogs, so no license page; ${ON_WINDOWS} for WiX UI, or drop msi.license`);
    if (f.ui) problems.push(`ui: the native backend has no WiX UI dialogs; ${ON_WINDOWS}, or set msi.ui: false`);
    return problems;
  },
  async build(runner, b) {
    if (runner.dryRun) return; // nothing runs: the stage has said what it would write
    const { buildNativeMsi } = await import('./native/build.js');
    await buildNativeMsi({ workDir: b.workDir, sources: b.sources, output: b.output, arch: b.arch, packageCode: b.packageCode, date: b.date, ...(b.harvest ? { payload: b.harvest } : {}), ...(b.signal ? { signal: b.signal } : {}) });
  },
};

/** The native writer's version, recorded like a tool's (it changes what the bytes are). */
export const NATIVE_VERSION = '1';

export const wixlBackend: MsiBackend = {
  id: 'wixl',
  version: wixlVersion,
  unsupported(f, version) {
    const v = `wixl ${version ?? '(any version)'}`;
    const problems: string[] = [];
    // Measured on 0.101: unknown elements abort wixl with SIGTRAP (exit 133), so refuse first.
    if (f.addToPath && !backendAtLeast(version, [0, 105])) problems.push(`addToPath: ${v} has no Environment element (added in wixl 0.105) and would abort; ${ON_WINDOWS}, or upgrade msitools`);
    if (f.license) problems.push(`license: ${v} cannot show a license (no WixVariable/UI support); ${ON_WINDOWS}, or drop msi.license`);
    if (f.ui) problems.push(`ui: ${v} has no WiX UI dialogs; ${ON_WINDOWS}, or set msi.ui: false`);
    // Measured on 0.101: it drops the #% prefix, so the value lands as a plain REG_SZ.
    if (f.expandableRegistry) problems.push(`registry type expandable: ${v} writes it as a plain string (REG_SZ), so %VARS% would never expand; ${ON_WINDOWS}, or use type string`);
    return problems;
  },
  build(runner, b) {
    // wixl has no arm64 (0.101: "arch of type 'arm64' is not supported"). An arm64 package is
    // the x64 database (64-bit components, InstallerVersion 500, ProgramFiles64Folder) whose
    // summary Template says Arm64 — which msibuild sets, with the PackageCode.
    return buildWithWixl(runner, {
      workDir: b.workDir,
      sources: b.sources,
      output: b.output,
      arch: b.arch === 'x86' ? 'x86' : 'x64',
      summary: { subject: b.subject, author: b.author, template: `${summaryPlatform(b.arch)};${b.language}`, packageCode: b.packageCode },
      subject: `${b.arch} MSI`,
      signal: b.signal,
    });
  },
};

export const wix3Backend: MsiBackend = {
  id: 'wix3',
  version: wix3Version,
  unsupported(f, version) {
    return f.arch === 'arm64' && !backendAtLeast(version, [3, 14])
      ? [`arm64: WiX ${version} cannot build ARM64 packages (candle -arch arm64 arrived in 3.14); install WiX 3.14 or use backend "wix"`]
      : [];
  },
  build: (runner, b) => buildWithWix3(runner, { workDir: b.workDir, sources: b.sources, output: b.output, arch: b.arch, ui: b.ui, signal: b.signal }),
};

export const wixBackend: MsiBackend = {
  id: 'wix',
  version: wixVersion,
  unsupported: () => [],
  build: (runner, b) => buildWithWix(runner, { workDir: b.workDir, sources: b.sources, output: b.output, arch: b.arch, ui: b.ui, toolVersion: b.toolVersion, signal: b.signal }),
};

export const BACKENDS: Record<BackendId, MsiBackend> = { native: nativeBackend, wixl: wixlBackend, wix3: wix3Backend, wix: wixBackend };

/** auto: the native writer, on every OS; the WiX backends only when asked for. */
export function chooseBackend(configured: 'auto' | BackendId): BackendId {
  return configured === 'auto' ? 'native' : configured;
}
