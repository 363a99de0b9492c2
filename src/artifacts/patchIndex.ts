import { z } from 'zod';
import { SUPPORTED_TARGETS } from '../util/arch.js';
import { PATCHABLE_KINDS } from '../config/schema.js';

// dist/patches.json: the delta patches of a release, what a self-updater reads to pick one (the
// patch from its own version for its own file), and the pairs left without one, with the reason.
// Documented by schema/patches.schema.json.

export const PATCH_INDEX_SCHEMA_VERSION = 1;
export const PATCH_INDEX_SCHEMA_URL = 'https://winship.dev/schema/patches.schema.json';

const sha256 = z.string().regex(/^[0-9a-f]{64}$/);
const size = z.number().int().min(0);
const pair = {
  from: z.string().describe('The earlier version.'),
  to: z.string().describe('This version.'),
  target: z.enum(SUPPORTED_TARGETS),
  kind: z.enum(PATCHABLE_KINDS).describe('The kind of file.'),
  file: z.string().describe('The file the patch makes, relative to dist/.'),
  oldFile: z.string().describe('The file it applies to, relative to the earlier release\'s folder (names hold the version: goapp_1.0.0_x64.msi).'),
};

export const patchEntrySchema = z.strictObject({
  ...pair,
  patch: z.string().describe('The patch, relative to dist/.'),
  format: z.literal(1),
  algorithm: z.literal('match-mix'),
  oldSize: size,
  newSize: size,
  patchSize: size,
  oldSha256: sha256,
  newSha256: sha256,
  patchSha256: sha256,
});

export const skippedPatchSchema = z.strictObject({
  ...pair,
  patchSize: size.describe('What the patch would have been.'),
  limit: size.describe('patches.maxShare of the compressed new file.'),
  reason: z.string(),
});

export const patchIndexDocumentSchema = z
  .strictObject({
    $schema: z.string().optional(),
    schemaVersion: z.literal(PATCH_INDEX_SCHEMA_VERSION),
    project: z.string(),
    version: z.string(),
    patches: z.array(patchEntrySchema).describe('Sorted by file, then earlier version (newest first).'),
    skipped: z.array(skippedPatchSchema),
  })
  .describe('winship patches.json: the delta patches of one release');

export type PatchEntry = z.infer<typeof patchEntrySchema>;
export type SkippedPatch = z.infer<typeof skippedPatchSchema>;
export type PatchIndexDocument = z.infer<typeof patchIndexDocumentSchema>;

export function patchIndexJsonSchema(): Record<string, unknown> {
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    $id: PATCH_INDEX_SCHEMA_URL,
    title: 'winship patches.json',
    ...z.toJSONSchema(patchIndexDocumentSchema, { io: 'input', target: 'draft-2020-12' }),
  };
}
