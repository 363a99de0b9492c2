import type { GoArch } from '../util/arch.js';
import { compareOrdinal } from '../util/compare.js';
import { ARTIFACT_KINDS, type Artifact, type ArtifactKind, type ArtifactOf, type PackedFile } from './kinds.js';

// The artifact registry: stages never call each other; a later stage finds what an earlier one
// made by filtering (GoReleaser's artifact.Filter model). It is the in-memory side of the
// release state: every change is announced, and the run writes the state after it.

export type ArtifactFilter = (a: Artifact) => boolean;

export const byArch =
  (...arches: GoArch[]): ArtifactFilter =>
  (a) => 'goarch' in a && arches.includes(a.goarch);
export const byBuild =
  (buildId: string): ArtifactFilter =>
  (a) => a.kind === 'binary' && a.build === buildId;

export class ArtifactRegistry {
  private readonly items = new Map<string, Artifact>();
  private readonly listeners = new Set<() => void>();

  constructor(initial: readonly Artifact[] = []) {
    for (const a of initial) this.items.set(a.path, a);
  }

  /** Record a new file. Registering a path twice is a bug in a stage, not a user error. */
  add(artifact: Artifact): Artifact {
    if (this.items.has(artifact.path)) throw new Error(`internal: artifact ${artifact.path} registered twice`);
    return this.put(artifact);
  }

  /** Record a file, replacing what was recorded under its path (a rebuilt or re-signed file). */
  put(artifact: Artifact): Artifact {
    this.items.set(artifact.path, artifact);
    this.changed();
    return artifact;
  }

  remove(path: string): void {
    if (this.items.delete(path)) this.changed();
  }

  get(path: string): Artifact | undefined {
    return this.items.get(path);
  }

  /** Artifacts of one kind matching every filter, in a stable order. */
  ofKind<K extends ArtifactKind>(kind: K, ...filters: ArtifactFilter[]): ArtifactOf<K>[] {
    return this.filter((a) => a.kind === kind, ...filters) as ArtifactOf<K>[];
  }

  /** Artifacts matching every filter, in a stable order (kind, arch, path). */
  filter(...filters: ArtifactFilter[]): Artifact[] {
    return [...this.items.values()].filter((a) => filters.every((f) => f(a))).sort(compareArtifacts);
  }

  all(): Artifact[] {
    return this.filter();
  }

  /**
   * The files `artifact` packed that have changed since (or are gone): a package holding them
   * holds old bytes. Empty when it is up to date.
   */
  staleInputs(artifact: Artifact): PackedFile[] {
    if (!('packs' in artifact)) return [];
    return artifact.packs.filter((p) => this.items.get(p.path)?.sha256 !== p.sha256);
  }

  /** Told after every change (the run writes the release state). */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private changed(): void {
    for (const l of this.listeners) l();
  }
}

export function compareArtifacts(a: Artifact, b: Artifact): number {
  return (
    ARTIFACT_KINDS.indexOf(a.kind) - ARTIFACT_KINDS.indexOf(b.kind) ||
    compareOrdinal('goarch' in a ? a.goarch : '', 'goarch' in b ? b.goarch : '') ||
    compareOrdinal(a.path, b.path)
  );
}

/** What `artifact` is inside a package: its path and digest now. */
export function packedFile(artifact: Artifact): PackedFile {
  return { path: artifact.path, sha256: artifact.sha256 };
}
