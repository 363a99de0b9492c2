// The four-part version of a package (Identity/@Version) from the release's semantic version:
// Major.Minor.Build.Revision, each 0-65535. A final 1.2.3 is 1.2.3.0 (the Microsoft Store
// requires revision 0, and Windows compares all four parts, so pre-releases get no revision
// trick that a final release would sort below). Pre-releases are mapped as for the MSI
// (msi/wix/version.ts): refused, stripped, or with patch-offset (build = patch × 100 + slot).

import { PRERELEASE_MAPPINGS, type PrereleaseMapping } from '../msi/wix/version.js';
import { parseSemver } from '../version/semver.js';

export { PRERELEASE_MAPPINGS, type PrereleaseMapping };

const PART_MAX = 65535;

export class MsixVersionError extends Error {
  override name = 'MsixVersionError';
  constructor(
    message: string,
    readonly rule: 'prerelease' | 'patch-offset' | 'range' | 'syntax',
  ) {
    super(message);
  }
}

export function toMsixVersion(version: string, prerelease: PrereleaseMapping = 'error'): { version: string; warnings: string[] } {
  const v = parseSemver(version);
  if (!v) throw new MsixVersionError(`"${version}" is not a semantic version (X.Y.Z)`, 'syntax');
  const pre = v.prerelease.join('.');
  const warnings: string[] = [];
  let build = v.patch;
  if (prerelease === 'patch-offset') {
    const maxPatch = Math.floor((PART_MAX - 99) / 100);
    if (v.patch > maxPatch) throw new MsixVersionError(`patch ${v.patch} is above ${maxPatch}, the largest the patch-offset mapping holds (patch × 100 + 99 ≤ ${PART_MAX})`, 'patch-offset');
    let slot = 99;
    if (pre !== '') {
      const n = v.prerelease.find((id) => /^\d+$/.test(id));
      if (n === undefined || Number(n) < 1 || Number(n) > 98) {
        throw new MsixVersionError(`the patch-offset mapping needs a pre-release number from 1 to 98 (e.g. -rc.3); "${pre}" has ${n ?? 'none'}`, 'patch-offset');
      }
      slot = Number(n);
    }
    build = v.patch * 100 + slot;
  } else if (pre !== '') {
    if (prerelease === 'error') {
      throw new MsixVersionError(`"${version}" has a pre-release part ("-${pre}"), which a package version (four numbers) cannot hold`, 'prerelease');
    }
    warnings.push(`version ${version} is packaged as ${v.major}.${v.minor}.${v.patch}.0 (pre-release "-${pre}" stripped): the final ${v.major}.${v.minor}.${v.patch} has the same package version, so Windows will not update to it; remove this one first`);
  }
  for (const [label, value] of [['major', v.major], ['minor', v.minor], ['build', build]] as const) {
    if (value > PART_MAX) throw new MsixVersionError(`${label} ${value} is above ${PART_MAX}, the largest part of a package version`, 'range');
  }
  return { version: `${v.major}.${v.minor}.${build}.0`, warnings };
}
