import type { Stage } from '../context/stage.js';
import { appinstaller } from '../stages/appinstaller.js';
import { archives } from '../stages/archives.js';
import { check } from '../stages/check.js';
import { checksums } from '../stages/checksums.js';
import { goBuild } from '../stages/goBuild.js';
import { manifests } from '../stages/manifests.js';
import { msi } from '../stages/msi.js';
import { msix } from '../stages/msix.js';
import { patches } from '../stages/patches.js';
import { publish } from '../stages/publish.js';
import { scoop } from '../stages/scoop.js';
import { signBinaries } from '../stages/sign/binaries.js';
import { signPackages } from '../stages/sign/packages.js';
import { versionResources } from '../stages/versionResources.js';
import { winget } from '../stages/winget.js';

/**
 * A release, in order. Version, commit and date are read before the first stage, so every stage
 * sees the same facts. The order is the story; the runner overlaps what does not wait on each
 * other (by the artifact kinds each stage reads and writes): a target's exe is signed as soon as
 * it is built, its MSI built as soon as it is signed, and zips are written while packages are
 * being signed.
 */
export const pipeline: readonly Stage[] = [
  check, //            go version, main packages, go.sum and vendor/ integrity
  goBuild, //          windows/amd64, arm64, 386, reproducibly
  versionResources, // VERSIONINFO, manifest, icon
  signBinaries, //     Authenticode + RFC 3161 timestamp, verified; before anything packs them
  msi, //              harvest + template + backend (wixl, candle/light, wix build)
  msix, //             AppxManifest, block map, content types, deterministic zip
  signPackages, //     the MSIs and MSIX packages, right after they are built
  appinstaller, //     .appinstaller files pointing at the signed MSIX packages
  archives, //         one zip per target
  patches, //          delta patches from earlier releases' signed files
  winget, //           winget manifests naming the signed MSIs (or the zips) where they are served
  scoop, //            a Scoop manifest for the zips
  checksums, //        last: nothing may change a release file after this
  manifests, //        artifacts.json, metadata.json
  publish, //          into the update feed (publish: in release.yaml), after everything else
];

export const STAGE_IDS: readonly string[] = pipeline.map((s) => s.id);
