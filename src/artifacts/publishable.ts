import type { Artifact } from './kinds.js';
import { signedWithDevCert } from './manifest.js';

// What may leave this machine as a release. A publisher (`release publish`, a feed, a package
// channel) asks here before uploading anything, so every one of them refuses the same releases.

/** Why the release must not be published, or undefined: a --dev-cert release never is. */
export function publishRefusal(release: { version: string; devCert?: boolean; artifacts: readonly Artifact[] }): string | undefined {
  if (release.devCert || signedWithDevCert(release.artifacts)) {
    const files = release.artifacts.filter((a) => 'signature' in a && a.signature?.devCert).map((a) => a.path);
    const which = files.length === 0 ? 'metadata.json says so' : files.length <= 3 ? files.join(', ') : `${files.length} files`;
    return (
      `release ${release.version} is signed with --dev-cert (${which}), a throwaway certificate that no Windows trusts; ` +
      'build it again with a real certificate (sign: in release.yaml) and without --dev-cert'
    );
  }
  return undefined;
}
