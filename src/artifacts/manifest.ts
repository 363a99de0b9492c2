import { z } from 'zod';
import { artifactSchema, canonicalArtifact, type Artifact } from './kinds.js';
import { compareArtifacts } from './registry.js';
import { releaseFactsSchema, type ReleaseFacts } from './state.js';

// The public manifests of a release, for publishers and scripts: dist/artifacts.json (every file,
// typed per kind) and dist/metadata.json (the release facts). Documented by their JSON Schemas
// in schema/; `schemaVersion` changes only when a field's meaning does.

export const MANIFEST_SCHEMA_VERSION = 1;
export const ARTIFACTS_SCHEMA_URL = 'https://winship.dev/schema/artifacts.schema.json';
export const METADATA_SCHEMA_URL = 'https://winship.dev/schema/metadata.schema.json';

export const artifactsDocumentSchema = z
  .strictObject({
    $schema: z.string().optional(),
    schemaVersion: z.literal(MANIFEST_SCHEMA_VERSION),
    project: z.string(),
    version: z.string(),
    commit: z.string(),
    artifacts: z.array(artifactSchema).describe('Every release file, sorted by kind, architecture and path.'),
  })
  .describe('winship artifacts.json: the files of one release');

export const metadataDocumentSchema = z
  .strictObject({
    $schema: z.string().optional(),
    schemaVersion: z.literal(MANIFEST_SCHEMA_VERSION),
    project: z.string(),
    ...releaseFactsSchema.shape,
    tools: z.record(z.string(), z.string()).describe('winship and the tools that made the files, with their versions.'),
    devCert: z
      .literal(true)
      .optional()
      .describe('Signed with --dev-cert (a throwaway certificate and timestamp authority): for local testing only; publishers refuse it.'),
  })
  .describe('winship metadata.json: the facts of one release');

export type ArtifactsDocument = z.infer<typeof artifactsDocumentSchema>;
export type MetadataDocument = z.infer<typeof metadataDocumentSchema>;

export interface ManifestFacts {
  project: string;
  release: ReleaseFacts;
  artifacts: readonly Artifact[];
  /** winship's version first, then the tools (sorted). */
  tools: Readonly<Record<string, string>>;
}

/** Whether any file of the release was signed with --dev-cert. */
export function signedWithDevCert(artifacts: readonly Artifact[]): boolean {
  return artifacts.some((a) => 'signature' in a && a.signature?.devCert === true);
}

export function artifactsDocument(f: ManifestFacts): ArtifactsDocument {
  return {
    $schema: ARTIFACTS_SCHEMA_URL,
    schemaVersion: MANIFEST_SCHEMA_VERSION,
    project: f.project,
    version: f.release.version,
    commit: f.release.commit,
    artifacts: [...f.artifacts].sort(compareArtifacts).map(canonicalArtifact),
  };
}

export function metadataDocument(f: ManifestFacts): MetadataDocument {
  return {
    $schema: METADATA_SCHEMA_URL,
    schemaVersion: MANIFEST_SCHEMA_VERSION,
    project: f.project,
    ...f.release,
    tools: f.tools,
    ...(signedWithDevCert(f.artifacts) ? { devCert: true as const } : {}),
  };
}

export function manifestJsonSchemas(): Record<'artifacts' | 'metadata', Record<string, unknown>> {
  const schema = (id: string, title: string, s: z.ZodType) => ({
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    $id: id,
    title,
    ...z.toJSONSchema(s, { io: 'input', target: 'draft-2020-12' }),
  });
  return {
    artifacts: schema(ARTIFACTS_SCHEMA_URL, 'winship artifacts.json', artifactsDocumentSchema),
    metadata: schema(METADATA_SCHEMA_URL, 'winship metadata.json', metadataDocumentSchema),
  };
}
