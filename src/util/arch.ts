// The Windows architectures winship builds for, under both names they go by: Go's (GOARCH, and
// targets "windows/<goarch>") and Windows' own (x64, x86, arm64: Windows Installer, MSIX, winget).
// Every other module takes its architecture types from here.

export const SUPPORTED_TARGETS = ['windows/amd64', 'windows/arm64', 'windows/386'] as const;
export type Target = (typeof SUPPORTED_TARGETS)[number];
export type GoArch = Target extends `windows/${infer A}` ? A : never;
export type WindowsArch = 'x64' | 'x86' | 'arm64';

const WINDOWS_ARCH: Readonly<Record<GoArch, WindowsArch>> = { amd64: 'x64', arm64: 'arm64', '386': 'x86' };

export function archOf(target: Target): GoArch {
  return target.slice('windows/'.length) as GoArch;
}

export function targetOf(arch: GoArch): Target {
  return `windows/${arch}`;
}

export const GO_ARCHES: readonly GoArch[] = SUPPORTED_TARGETS.map(archOf);
export const WINDOWS_ARCHES: readonly WindowsArch[] = GO_ARCHES.map(windowsArchOf);

/** Windows' name for a Go architecture: amd64 → x64, 386 → x86, arm64 → arm64. */
export function windowsArchOf(arch: GoArch): WindowsArch {
  return WINDOWS_ARCH[arch];
}

export function isTarget(value: string): value is Target {
  return (SUPPORTED_TARGETS as readonly string[]).includes(value);
}
