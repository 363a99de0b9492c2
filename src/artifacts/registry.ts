import { compareOrdinal } from '../util/compare.js';

// The artifact registry: stages never call each other; a later stage finds what an earlier one
// made by filtering (GoReleaser's artifact.Filter model).

export type ArtifactKind = 'binary' | 'archive' | 'checksums' | 'msi' | 'msix' | 'patch' | 'appinstaller';

export interface Artifact {
  kind: ArtifactKind;
  /** File name, e.g. hello_1.2.3_windows_amd64.zip. */
  name: string;
  /** Absolute path. */
  path: string;
  goos?: 'windows';
  goarch?: 'amd64' | 'arm64' | '386';
  /** The build that produced it (binaries, and what packs one build). */
  buildId?: string;
  /** Filled in by the checksums stage, once nothing can change the file any more. */
  size?: number;
  sha256?: string;
  /** Kind-specific facts: signature info, MSI ProductCode, … Never secrets. */
  extra: Record<string, unknown>;
}

export type ArtifactFilter = (a: Artifact) => boolean;

export const byKind =
  (...kinds: ArtifactKind[]): ArtifactFilter =>
  (a) => kinds.includes(a.kind);
export const byArch =
  (...arches: NonNullable<Artifact['goarch']>[]): ArtifactFilter =>
  (a) => a.goarch !== undefined && arches.includes(a.goarch);
export const byBuild =
  (buildId: string): ArtifactFilter =>
  (a) => a.buildId === buildId;

export class ArtifactRegistry {
  private readonly items: Artifact[] = [];

  add(artifact: Omit<Artifact, 'extra'> & { extra?: Artifact['extra'] }): Artifact {
    const full: Artifact = { ...artifact, extra: { ...artifact.extra } };
    if (this.items.some((a) => a.path === full.path)) {
      throw new Error(`internal: artifact ${full.path} registered twice`);
    }
    this.items.push(full);
    return full;
  }

  /** Artifacts matching every filter, in a stable order (kind, arch, name). */
  filter(...filters: ArtifactFilter[]): Artifact[] {
    return this.items.filter((a) => filters.every((f) => f(a))).sort(compareArtifacts);
  }

  all(): Artifact[] {
    return this.filter();
  }
}

const KIND_ORDER: ArtifactKind[] = ['binary', 'archive', 'msi', 'msix', 'patch', 'appinstaller', 'checksums'];

function compareArtifacts(a: Artifact, b: Artifact): number {
  return (
    KIND_ORDER.indexOf(a.kind) - KIND_ORDER.indexOf(b.kind) ||
    compareOrdinal(a.goarch ?? '', b.goarch ?? '') ||
    compareOrdinal(a.path, b.path)
  );
}
