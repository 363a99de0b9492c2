import { formatSemver, highestTag, parseSemver } from './semver.js';

export type VersionSource = 'flag' | 'tag' | 'config' | 'snapshot';

export interface ResolvedVersion {
  version: string;
  snapshot: boolean;
  source: VersionSource;
}

export interface VersionInputs {
  flag?: string;
  /** Release tags pointing exactly at HEAD. */
  exactTags: readonly string[];
  configVersion?: string;
  /** The newest release tag reachable from HEAD, for the snapshot base. */
  previousTag?: string;
  shortCommit: string;
}

/**
 * Precedence: --version > a vX.Y.Z tag on HEAD > `version:` in release.yaml > snapshot.
 * A snapshot is the next patch after the previous tag with `-SNAPSHOT-<shortsha>`, so it sorts
 * after the release it grew from and before the next one. After a pre-release tag it extends
 * that pre-release (`2.0.0-rc.1.SNAPSHOT-<sha>`): more identifiers sort higher, so it lands
 * after rc.1 and before rc.2 and 2.0.0 ("2.0.0-SNAPSHOT-…" would sort before rc.1).
 */
export function resolveVersion(inputs: VersionInputs): ResolvedVersion {
  const explicit = (value: string, source: VersionSource): ResolvedVersion => {
    const v = parseSemver(value);
    if (!v) throw new Error(`${describe(source)} "${value}" is not a semantic version (expected X.Y.Z, e.g. 1.4.0)`);
    return { version: formatSemver(v), snapshot: false, source };
  };
  if (inputs.flag !== undefined) return explicit(inputs.flag, 'flag');
  const tag = highestTag(inputs.exactTags); // v1.2.0 over v1.2.0-rc.1 on the same commit
  if (tag !== undefined) return explicit(tag, 'tag');
  if (inputs.configVersion !== undefined) return explicit(inputs.configVersion, 'config');
  const base = inputs.previousTag ? parseSemver(inputs.previousTag) : undefined;
  const snapshotId = `SNAPSHOT-${inputs.shortCommit}`;
  const next = !base
    ? { major: 0, minor: 0, patch: 1, prerelease: [snapshotId], build: [] }
    : base.prerelease.length
      ? { ...base, prerelease: [...base.prerelease, snapshotId], build: [] }
      : { ...base, patch: base.patch + 1, prerelease: [snapshotId], build: [] };
  return {
    version: formatSemver(next),
    snapshot: true,
    source: 'snapshot',
  };
}

function describe(source: VersionSource): string {
  return { flag: '--version', tag: 'git tag', config: 'release.yaml version', snapshot: 'snapshot' }[source];
}
