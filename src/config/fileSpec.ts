import { z } from 'zod';

// How release.yaml names files that ship (archives.files, msi.files, msix.files): a glob, or a
// glob with `required`. A literal path (no wildcard) that matches nothing is an error wherever it
// is written — a typo (LICENCE for LICENSE) must not ship a package without its licence; a
// wildcard that matches nothing is a warning, unless it is marked required.

export const fileSpecSchema = z.union([
  z.string(),
  z.strictObject({
    glob: z.string(),
    required: z.boolean().default(false).describe('Fail the release when the glob matches nothing (a literal path always does).'),
  }),
]);

/** A list of file specs, with its description. */
export function fileSpecs(what: string) {
  return z
    .array(fileSpecSchema)
    .default([])
    .describe(`${what} Globs relative to release.yaml, or { glob, required }. A path without wildcards that matches nothing is an error; a glob that matches nothing warns (fails with required: true).`);
}
