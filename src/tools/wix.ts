import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { StageError } from '../util/errors.js';
import type { WindowsArch } from '../util/arch.js';
import type { Tool, ToolRunner } from './runner.js';

// WiX Toolset v4+ (`wix` dotnet tool). Windows only here: golden argv + recorded output tests.
export const wix: Tool = { name: 'wix', command: 'wix', install: 'dotnet tool install --global wix (WiX v4 or newer), then: wix extension add -g WixToolset.Util.wixext WixToolset.UI.wixext' };

/** `wix convert` rewrites v3 sources to the v4 schema in place (our templates are v3). */
export function wixConvertArgs(sources: readonly string[]): string[] {
  return ['convert', ...sources];
}

export function wixBuildArgs(opts: {
  arch: WindowsArch;
  output: string;
  sources: readonly string[];
  ui: boolean;
  culture?: string;
  /** WiX v7 refuses to run until its EULA is accepted on the command line. */
  acceptEula?: string;
}): string[] {
  return [
    'build',
    ...(opts.acceptEula ? ['-acceptEula', opts.acceptEula] : []),
    '-arch', opts.arch,
    '-ext', 'WixToolset.Util.wixext',
    ...(opts.ui ? ['-ext', 'WixToolset.UI.wixext'] : []),
    '-culture', opts.culture ?? 'en-us',
    // No .wixpdb beside the output: it would be left in dist/ under our temp name (light: -spdb).
    '-pdbtype', 'none',
    '-o', opts.output,
    ...opts.sources,
  ];
}

/** `wix --version` prints e.g. "5.0.2+aa65968c" → "5.0.2". */
export function parseWixVersion(text: string): string | undefined {
  return /(\d+\.\d+\.\d+)/.exec(text)?.[1];
}

export const WIX4_NAMESPACE = 'http://wixtoolset.org/schemas/v4/wxs';

/** `wix --version` ("5.0.2"); undefined in a dry run. */
export async function wixVersion(runner: ToolRunner, cwd: string): Promise<string | undefined> {
  if (runner.dryRun) return undefined;
  return parseWixVersion((await runner.run({ tool: wix, args: ['--version'], cwd, readOnly: true, timeoutMs: 60_000 })).stdout);
}

/** `wix convert` (our templates are WiX v3), then `wix build`. */
export async function buildWithWix(
  runner: ToolRunner,
  b: { workDir: string; sources: readonly string[]; output: string; arch: WindowsArch; ui: boolean; toolVersion?: string; signal?: AbortSignal },
): Promise<void> {
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
}
