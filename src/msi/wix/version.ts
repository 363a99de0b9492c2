// Mapping a semantic version onto an MSI ProductVersion.
//
// MSI rules (Windows Installer "ProductVersion property"): major.minor.build, each a number,
// at most 255.255.65535. A 4th field may be written but FindRelatedProducts ignores it, so
// two packages that differ only there cannot upgrade each other. There is no pre-release
// notion: `1.2.3-rc.1` has to be mapped onto three numbers, or refused.

import { StageError } from '../../util/errors.js';
import { parseSemver, type SemVer } from '../../version/semver.js';

/**
 * How a pre-release version (`1.2.3-rc.1`, snapshot `1.2.4-SNAPSHOT-abc1234`) is mapped.
 *
 * - `error` (default): refuse it. Safe: nothing ships with a version that cannot be upgraded.
 * - `strip`: drop the pre-release, `1.2.3-rc.1` → `1.2.3`, with a warning. The final `1.2.3`
 *   then has the same ProductVersion (and, from `productCode`, the same ProductCode), so it will
 *   not upgrade a machine that has the rc installed — fine for snapshots and test builds that
 *   are uninstalled, not for pre-releases handed to users.
 * - `patch-offset`: a versioning *scheme*, applied to every version, final ones included:
 *   build = patch × 100 + slot, where slot is 99 for a final release and N for a pre-release
 *   whose first numeric identifier is N (1 ≤ N ≤ 98). `1.2.3-rc.2` → `1.2.302`, `1.2.3` →
 *   `1.2.399`, `1.2.4-beta.1` → `1.2.401`. Pre-releases upgrade each other and the final
 *   upgrades them all. Patch is limited to 654. Switching a product to or from this scheme
 *   breaks the ordering once (1.2.3 → 1.2.3 vs 1.2.399), so choose it before the first release.
 *   Labels are not compared: `alpha.2` and `rc.2` map to the same number (a warning says so).
 *
 * Not offered: putting the pre-release number in a 4th field (upgrades ignore it).
 */
export const PRERELEASE_MAPPINGS = ['error', 'strip', 'patch-offset'] as const;
export type PrereleaseMapping = (typeof PRERELEASE_MAPPINGS)[number];

export interface MsiVersionOptions {
  prerelease?: PrereleaseMapping;
}

export interface MsiVersion {
  /** `major.minor.build`, the value of Product/@Version. */
  productVersion: string;
  major: number;
  minor: number;
  build: number;
  /** Things the user should know about the mapping (shown, never fatal). */
  warnings: string[];
}

/**
 * A version the mapping refuses, with the rule it breaks: `range` (a number over 255.255.65535),
 * `prerelease` (a pre-release with the `error` mapping), `patch-offset` (what that scheme cannot
 * hold), `syntax` (not a semantic version). Callers turn it into advice on what to change.
 */
export class MsiVersionError extends StageError {
  override name = 'MsiVersionError';
  constructor(
    message: string,
    readonly rule: 'range' | 'prerelease' | 'patch-offset' | 'syntax',
  ) {
    super(message);
  }
}

/** Parses `1.2.3`, `v1.2.3`, `1.2.3-rc.1+meta`. Throws StageError naming the value otherwise. */
export function parseSemverOrThrow(version: string): SemVer {
  const v = parseSemver(version);
  if (!v) {
    throw new MsiVersionError(
      `Version "${version}" is not a semantic version (MAJOR.MINOR.PATCH[-PRERELEASE][+BUILD], ` +
        `e.g. 1.4.2 or v1.4.2-rc.1); the MSI ProductVersion is derived from it.`,
      'syntax',
    );
  }
  return v;
}

export const MSI_VERSION_LIMITS = { major: 255, minor: 255, build: 65535 } as const;

function checkLimit(version: string, field: keyof typeof MSI_VERSION_LIMITS, label: string, value: number): void {
  const limit = MSI_VERSION_LIMITS[field];
  if (value > limit) {
    throw new MsiVersionError(
      `Version "${version}": ${label} ${value} is above the MSI ProductVersion limit ${limit} ` +
        `(major.minor.build must be at most 255.255.65535).`,
      'range',
    );
  }
}

/** Maps a semantic version to an MSI ProductVersion; see `PrereleaseMapping` for the options. */
export function toMsiProductVersion(version: string, options: MsiVersionOptions = {}): MsiVersion {
  const mapping = options.prerelease ?? 'error';
  if (!(PRERELEASE_MAPPINGS as readonly string[]).includes(mapping)) {
    throw new StageError(`Unknown pre-release mapping "${String(mapping)}"; use one of ${PRERELEASE_MAPPINGS.join(', ')}.`);
  }
  const v = parseSemverOrThrow(version);
  const warnings: string[] = [];
  checkLimit(version, 'major', 'major', v.major);
  checkLimit(version, 'minor', 'minor', v.minor);
  const pre = v.prerelease.join('.');

  let build: number;
  if (mapping === 'patch-offset') {
    const maxPatch = Math.floor((MSI_VERSION_LIMITS.build - 99) / 100);
    if (v.patch > maxPatch) {
      throw new MsiVersionError(
        `Version "${version}": patch ${v.patch} is above ${maxPatch}, the largest patch the ` +
          `patch-offset mapping can hold (patch × 100 + 99 must be at most ${MSI_VERSION_LIMITS.build}).`,
        'patch-offset',
      );
    }
    let slot = 99;
    if (pre !== '') {
      const n = v.prerelease.find((id) => /^\d+$/.test(id));
      if (n === undefined || Number(n) < 1 || Number(n) > 98) {
        throw new MsiVersionError(
          `Version "${version}": the patch-offset mapping needs a pre-release number from 1 to 98 ` +
            `(e.g. -rc.3); "${pre}" has ${n === undefined ? 'none' : n}. Use prerelease: strip for snapshots.`,
          'patch-offset',
        );
      }
      slot = Number(n);
      warnings.push(
        `Version "${version}" maps to ProductVersion ${v.major}.${v.minor}.${v.patch * 100 + slot} ` +
          `(patch-offset: only the number ${slot} of "${pre}" counts, not its label).`,
      );
    }
    build = v.patch * 100 + slot;
  } else {
    checkLimit(version, 'build', 'patch', v.patch);
    if (pre !== '') {
      if (mapping === 'error') {
        throw new MsiVersionError(
          `Version "${version}" has a pre-release part ("-${pre}"), which an MSI ProductVersion ` +
            `(major.minor.build, numbers only) cannot hold. Release a final version, or choose a ` +
            `pre-release mapping: strip (→ ${v.major}.${v.minor}.${v.patch}) or patch-offset.`,
          'prerelease',
        );
      }
      warnings.push(
        `Version "${version}" is packaged as ProductVersion ${v.major}.${v.minor}.${v.patch} ` +
          `(pre-release "-${pre}" stripped): the final ${v.major}.${v.minor}.${v.patch} will not upgrade it; ` +
          `uninstall it first.`,
      );
    }
    build = v.patch;
  }
  return { productVersion: `${v.major}.${v.minor}.${build}`, major: v.major, minor: v.minor, build, warnings };
}

/** Compares two MSI ProductVersions the way FindRelatedProducts does (first three fields). */
export function compareMsiVersions(a: string, b: string): number {
  const pa = a.split('.').slice(0, 3).map(Number);
  const pb = b.split('.').slice(0, 3).map(Number);
  for (let i = 0; i < 3; i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return Math.sign(d);
  }
  return 0;
}
