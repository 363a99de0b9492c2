// Release versions are semantic versions (MAJOR.MINOR.PATCH[-PRERELEASE][+BUILD]); tags carry a
// leading "v". Windows wants four 16-bit numbers, so the mapping lives here too.

import { UsageError } from '../util/errors.js';

export interface SemVer {
  major: number;
  minor: number;
  patch: number;
  prerelease: string[];
  build: string[];
}

const SEMVER =
  /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[A-Za-z-][0-9A-Za-z-]*)(?:\.(?:0|[1-9]\d*|\d*[A-Za-z-][0-9A-Za-z-]*))*))?(?:\+([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?$/;

export function parseSemver(text: string): SemVer | undefined {
  const m = SEMVER.exec(text.startsWith('v') ? text.slice(1) : text);
  if (!m) return undefined;
  return {
    major: Number(m[1]),
    minor: Number(m[2]),
    patch: Number(m[3]),
    prerelease: m[4] ? m[4].split('.') : [],
    build: m[5] ? m[5].split('.') : [],
  };
}

export function formatSemver(v: SemVer): string {
  const pre = v.prerelease.length ? `-${v.prerelease.join('.')}` : '';
  const build = v.build.length ? `+${v.build.join('.')}` : '';
  return `${v.major}.${v.minor}.${v.patch}${pre}${build}`;
}

/** Semver precedence (build metadata ignored). */
export function compareSemver(a: SemVer, b: SemVer): number {
  for (const k of ['major', 'minor', 'patch'] as const) if (a[k] !== b[k]) return a[k] - b[k];
  if (!a.prerelease.length || !b.prerelease.length) return b.prerelease.length - a.prerelease.length;
  for (let i = 0; i < Math.max(a.prerelease.length, b.prerelease.length); i++) {
    const x = a.prerelease[i];
    const y = b.prerelease[i];
    if (x === undefined) return -1;
    if (y === undefined) return 1;
    const xn = /^\d+$/.test(x);
    const yn = /^\d+$/.test(y);
    if (xn && yn && Number(x) !== Number(y)) return Number(x) - Number(y);
    if (xn !== yn) return xn ? -1 : 1;
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}

/** Release tags look like v1.2.3 (optionally with a pre-release). */
export function isReleaseTag(tag: string): boolean {
  return tag.startsWith('v') && parseSemver(tag) !== undefined;
}

/** The highest release tag of a list, by semver precedence. */
export function highestTag(tags: readonly string[]): string | undefined {
  return tags
    .filter(isReleaseTag)
    .sort((a, b) => compareSemver(parseSemver(a)!, parseSemver(b)!))
    .at(-1);
}

/** VERSIONINFO FILEVERSION/PRODUCTVERSION: four 16-bit numbers (Microsoft "VERSIONINFO resource"). */
export const FILE_VERSION_PART_MAX = 65_535;

const plain = (n: number) => n.toLocaleString('en-US', { useGrouping: false });

/** Why `v` cannot be a Windows file version (a part above 65535), or undefined. */
export function windowsVersionProblem(v: SemVer): string | undefined {
  const over = (['major', 'minor', 'patch'] as const).find((k) => v[k] > FILE_VERSION_PART_MAX);
  if (over === undefined) return undefined;
  return `${over} ${plain(v[over])} is above ${FILE_VERSION_PART_MAX}: Windows keeps each part of a file version (VERSIONINFO FILEVERSION) in 16 bits`;
}

/**
 * VERSIONINFO's FILEVERSION/PRODUCTVERSION: four 16-bit numbers. The fourth stays 0 so the
 * number never depends on anything but the release version. The versionResources stage checks
 * the version before anything builds (windowsVersionProblem); this only guards the bytes.
 */
export function toWindowsFileVersion(v: SemVer): [number, number, number, number] {
  const problem = windowsVersionProblem(v);
  if (problem) throw new UsageError(`version ${formatSemver(v)}: ${problem}`);
  return [v.major, v.minor, v.patch, 0];
}
