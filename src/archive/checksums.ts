import { compareOrdinal } from '../util/compare.js';

export interface FileDigest {
  /** Path relative to the checksums file, forward slashes. */
  name: string;
  sha256: string;
}

/** `sha256sum` text format ("<hex>  <name>"), sorted by name so the file is reproducible. */
export function formatSha256Sums(digests: readonly FileDigest[]): string {
  return [...digests]
    .sort((a, b) => compareOrdinal(a.name, b.name))
    .map((d) => `${d.sha256}  ${d.name}\n`)
    .join('');
}
