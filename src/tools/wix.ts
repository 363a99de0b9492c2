import type { Tool } from './runner.js';

// WiX Toolset v4+ (`wix` dotnet tool). Windows only here: golden argv + recorded output tests.
export const wix: Tool = { name: 'wix', command: 'wix', install: 'dotnet tool install --global wix (WiX v4 or newer), then: wix extension add -g WixToolset.Util.wixext WixToolset.UI.wixext' };

/** `wix convert` rewrites v3 sources to the v4 schema in place (our templates are v3). */
export function wixConvertArgs(sources: readonly string[]): string[] {
  return ['convert', ...sources];
}

export function wixBuildArgs(opts: {
  arch: 'x86' | 'x64' | 'arm64';
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
