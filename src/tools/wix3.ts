import { join, sep } from 'node:path';
import type { WindowsArch } from '../util/arch.js';
import type { Tool, ToolRunner } from './runner.js';

// WiX Toolset v3 (candle + light). Windows only: these command lines are tested as golden argv,
// and the version parser against recorded banners.
export const candle: Tool = { name: 'candle', command: 'candle', install: 'WiX Toolset v3.14 (https://github.com/wixtoolset/wix3/releases), then add its bin\\ folder to PATH' };
export const light: Tool = { ...candle, name: 'light', command: 'light' };

export function candleArgs(opts: { arch: WindowsArch; objDir: string; sources: readonly string[]; defines?: Readonly<Record<string, string>> }): string[] {
  return [
    '-nologo',
    '-arch', opts.arch,
    '-ext', 'WixUtilExtension',
    ...Object.entries(opts.defines ?? {}).sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, v]) => `-d${k}=${v}`),
    // A trailing separator tells candle -out it is a folder (one .wixobj per source).
    '-out', opts.objDir.endsWith(sep) ? opts.objDir : `${opts.objDir}${sep}`,
    ...opts.sources,
  ];
}

export function lightArgs(opts: { output: string; objects: readonly string[]; culture?: string; ui: boolean }): string[] {
  return [
    '-nologo',
    '-ext', 'WixUtilExtension',
    ...(opts.ui ? ['-ext', 'WixUIExtension'] : []),
    '-spdb',
    `-cultures:${opts.culture ?? 'en-us'}`,
    '-out', opts.output,
    ...opts.objects,
  ];
}

/** "Windows Installer XML Toolset Compiler version 3.14.1.8722" → "3.14.1.8722". */
export function parseWix3Banner(text: string): string | undefined {
  return /Toolset (?:Compiler|Linker) version (\d+\.\d+\.\d+(?:\.\d+)?)/.exec(text)?.[1];
}

/** candle's banner version ("3.14.1.8722"); undefined in a dry run. */
export async function wix3Version(runner: ToolRunner, cwd: string): Promise<string | undefined> {
  if (runner.dryRun) return undefined;
  const r = await runner.run({ tool: candle, args: ['-?'], cwd, readOnly: true, timeoutMs: 60_000, okExitCodes: [0, 1] });
  return parseWix3Banner(r.stdout + r.stderr);
}

/** candle into workDir/obj, then light. */
export async function buildWithWix3(runner: ToolRunner, b: { workDir: string; sources: readonly string[]; output: string; arch: WindowsArch; ui: boolean; signal?: AbortSignal }): Promise<void> {
  const objDir = join(b.workDir, 'obj');
  await runner.run({ tool: candle, args: candleArgs({ arch: b.arch, objDir, sources: b.sources }), cwd: b.workDir, signal: b.signal, timeoutMs: 60 * 60_000 });
  const objects = b.sources.map((s) => join(objDir, s.replace(/\.wxs$/, '.wixobj')));
  await runner.run({ tool: light, args: lightArgs({ output: b.output, objects, ui: b.ui }), cwd: b.workDir, signal: b.signal, timeoutMs: 60 * 60_000 });
}
