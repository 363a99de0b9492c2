// A Scoop manifest (ScoopInstaller/Scoop, schema.json; domain notes §6): one JSON file per app
// in a bucket, pointing at the release's zips by architecture, with the programs to shim onto
// PATH, and — so a bucket follows new releases by itself — checkver (where to look for a newer
// version) and autoupdate (the same URLs with $version, hashes read from the release's
// checksums file). Pure: the model in, the document and its text out.

export type ScoopArch = '64bit' | '32bit' | 'arm64';

export interface ScoopModel {
  version: string;
  description?: string;
  homepage: string;
  license: string;
  /** One zip per architecture: its URL and SHA-256 (hex). */
  architectures: Partial<Record<ScoopArch, { url: string; sha256: string; autoupdateUrl?: string }>>;
  /** Programs inside the zips to put on PATH. */
  bin: readonly string[];
  /** Start-menu shortcuts: [program, name]. */
  shortcuts: readonly (readonly [string, string])[];
  notes: readonly string[];
  checkver?: { github: string } | { url: string; regex: string };
  /** The checksums file's URL with $version, for autoupdate's hashes. */
  autoupdateChecksumsUrl?: string;
}

/** Scoop's architecture keys for Go's. */
export const SCOOP_ARCH = { amd64: '64bit', '386': '32bit', arm64: 'arm64' } as const satisfies Record<string, ScoopArch>;

export function scoopDocument(m: ScoopModel): Record<string, unknown> {
  const arches = (['64bit', '32bit', 'arm64'] as const).filter((a) => m.architectures[a]);
  const updatable = m.autoupdateChecksumsUrl !== undefined && arches.every((a) => m.architectures[a]!.autoupdateUrl);
  return {
    version: m.version,
    ...(m.description ? { description: m.description } : {}),
    homepage: m.homepage,
    license: m.license,
    ...(m.notes.length ? { notes: m.notes.length === 1 ? m.notes[0] : [...m.notes] } : {}),
    architecture: Object.fromEntries(arches.map((a) => [a, { url: m.architectures[a]!.url, hash: m.architectures[a]!.sha256.toLowerCase() }])),
    bin: m.bin.length === 1 ? m.bin[0] : [...m.bin],
    ...(m.shortcuts.length ? { shortcuts: m.shortcuts.map((s) => [...s]) } : {}),
    ...(m.checkver ? { checkver: m.checkver } : {}),
    ...(m.checkver && updatable
      ? {
          autoupdate: {
            architecture: Object.fromEntries(arches.map((a) => [a, { url: m.architectures[a]!.autoupdateUrl }])),
            hash: { url: m.autoupdateChecksumsUrl },
          },
        }
      : {}),
  };
}

/** As Scoop's buckets write them: four-space indents, a final newline. */
export function renderScoopManifest(doc: Record<string, unknown>): string {
  return `${JSON.stringify(doc, null, 4)}\n`;
}

/**
 * A URL of this release made a URL of any version, for autoupdate: Scoop puts the new version
 * where `$version` stands. Every occurrence of the version is replaced (in the tag, the folder
 * and the file name).
 */
export function autoupdateUrl(url: string, version: string): string | undefined {
  if (!url.includes(version)) return undefined;
  return url.split(version).join('$version');
}
