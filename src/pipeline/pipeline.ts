import type { Stage } from '../context/stage.js';
import { check } from '../stages/check.js';
import { goBuild } from '../stages/goBuild.js';
import { versionResources } from '../stages/versionResources.js';
import { signBinaries } from '../stages/sign/binaries.js';
import { msi } from '../stages/msi.js';
import { signPackages } from '../stages/sign/packages.js';
import { archives } from '../stages/archives.js';
import { checksums } from '../stages/checksums.js';
import { manifests } from '../stages/manifests.js';

/**
 * A release, in order. (Version, commit and date are read before the first stage: every stage
 * sees the same facts.)
 */
export const pipeline: readonly Stage[] = [
  check, //            go version, main packages, go.sum and vendor/ integrity
  goBuild, //          windows/amd64, arm64, 386, reproducibly
  versionResources, // VERSIONINFO, manifest, icon
  signBinaries, //     Authenticode + RFC 3161 timestamp, verified; before anything packs them
  msi, //              harvest + template + backend (wixl, candle/light, wix build)
  signPackages, //     the MSIs, right after they are built
  archives, //         one zip per target
  checksums, //        last: nothing may change a release file after this
  manifests, //        artifacts.json, metadata.json
];
