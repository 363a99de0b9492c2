import { sep } from 'node:path';
import type { Tool } from './runner.js';

// WiX Toolset v3 (candle + light). Windows only: these command lines are tested as golden argv,
// and the version parser against recorded banners.
export const candle: Tool = { name: 'candle', command: 'candle', install: 'WiX Toolset v3.14 (https://github.com/wixtoolset/wix3/releases), then add its bin\\ folder to PATH' };
export const light: Tool = { ...candle, name: 'light', command: 'light' };

export function candleArgs(opts: { arch: 'x86' | 'x64' | 'arm64'; objDir: string; sources: readonly string[]; defines?: Readonly<Record<string, string>> }): string[] {
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
