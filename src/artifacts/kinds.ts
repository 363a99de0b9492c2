import { z } from 'zod';
import { PATCHABLE_KINDS } from '../config/schema.js';
import { APPINSTALLER_NAMESPACE_ORDER } from '../msix/namespaces.js';
import { GO_ARCHES, WINDOWS_ARCHES } from '../util/arch.js';

// The files a release is made of, one type per kind. The same definitions validate the release
// state (dist/.winship/state.json), type the registry, and generate the published JSON Schemas
// (schema/state.schema.json, schema/artifacts.schema.json): a reader never guesses what a field
// holds.

const SHA256_HEX = /^[0-9a-f]{64}$/;

/** A path inside dist/: forward slashes, no "..", ".", empty or absolute parts. */
export function isDistPath(path: string): boolean {
  if (path === '' || path.startsWith('/') || /^[A-Za-z]:/.test(path) || path.includes('\\')) return false;
  return path.split('/').every((part) => part !== '' && part !== '.' && part !== '..');
}

const sha256 = z.string().regex(SHA256_HEX, 'must be a SHA-256 digest in lower-case hex (64 characters)');
const distPath = z.string().refine(isDistPath, 'must be a path inside dist/ (forward slashes, no "..", not absolute)');

export const signatureSchema = z
  .strictObject({
    signer: z.string().describe('Subject of the signing certificate ("CN=…, O=…"), or signtool\'s display name.'),
    digest: z.literal('sha256'),
    timestampServer: z.string().describe('The RFC 3161 server whose token is in the file, without credentials.'),
    timestampTime: z.string().describe('The time the server vouched for (ISO 8601).'),
    attempts: z.number().int().min(1).describe('Signing attempts it took (failover and retries included).'),
    devCert: z.literal(true).optional().describe('Signed with --dev-cert: a throwaway certificate Windows does not trust.'),
  })
  .describe('The Authenticode signature, verified (signature and timestamp) before it was recorded.');

export const packedFileSchema = z
  .strictObject({ path: distPath, sha256 })
  .describe('A release file inside this one, as it was when this one was made.');

const file = {
  name: z.string().min(1).describe('File name.'),
  path: distPath.describe('Where it is, relative to dist/.'),
  size: z.number().int().min(0),
  sha256,
};
const target = { goos: z.literal('windows'), goarch: z.enum(GO_ARCHES) };
/**
 * What a package packed: when one of these files changes later (it is signed on another
 * machine), the package still holds the old bytes and must be made again.
 */
const packs = z.array(packedFileSchema).describe('The release files packed inside, with the digests they had then.');

export const binarySchema = z
  .strictObject({
    kind: z.literal('binary'),
    ...file,
    ...target,
    build: z.string().describe('The builds[].id that made it.'),
    signature: signatureSchema.optional(),
  })
  .describe('A Go executable.');

export const msiSchema = z
  .strictObject({
    kind: z.literal('msi'),
    ...file,
    ...target,
    msi: z.strictObject({
      arch: z.enum(WINDOWS_ARCHES),
      productVersion: z.string(),
      productCode: z.string(),
      upgradeCode: z.string(),
      packageCode: z.string(),
      backend: z.enum(['native', 'wixl', 'wix3', 'wix']),
      files: z.number().int().min(0).describe('Files installed.'),
    }),
    packs,
    signature: signatureSchema.optional(),
  })
  .describe('A Windows Installer package.');

export const archiveSchema = z
  .strictObject({
    kind: z.literal('archive'),
    ...file,
    ...target,
    format: z.literal('zip'),
    entries: z.array(z.string()).describe('Names inside the archive, sorted.'),
    packs,
  })
  .describe('A zip of the binaries and the configured files for one target.');

export const msixSchema = z
  .strictObject({
    kind: z.literal('msix'),
    ...file,
    ...target,
    msix: z
      .strictObject({
        name: z.string(),
        publisher: z.string().describe('The signing certificate\'s subject.'),
        version: z.string().describe('Four parts.'),
        arch: z.enum(WINDOWS_ARCHES),
        files: z.number().int().min(0).describe('Files its block map lists: the binaries, msix.files, the logos and AppxManifest.xml.'),
      })
      .describe('The package identity, as its AppxManifest.xml holds it.'),
    packs,
    signature: signatureSchema.optional(),
  })
  .describe('An MSIX package.');

export const appinstallerSchema = z
  .strictObject({
    kind: z.literal('appinstaller'),
    ...file,
    ...target,
    appinstaller: z.strictObject({
      uri: z.string().describe('Where the file itself is served.'),
      version: z.string(),
      namespace: z.enum(APPINSTALLER_NAMESPACE_ORDER),
      package: distPath.describe('The MSIX it installs, relative to dist/.'),
      packageUri: z.string().describe('Where that package is served.'),
    }),
  })
  .describe('An App Installer file (.appinstaller) for one MSIX package.');

export const checksumsSchema = z
  .strictObject({
    kind: z.literal('checksums'),
    ...file,
    algorithm: z.literal('sha256'),
    files: z.number().int().min(0).describe('Files listed.'),
  })
  .describe('A sha256sum -c file over every other release file.');

export const patchSchema = z
  .strictObject({
    kind: z.literal('patch'),
    ...file,
    ...target,
    makes: z.enum(PATCHABLE_KINDS).describe('The kind of release file the patch makes.'),
    from: z.string().describe('The earlier version whose file it applies to.'),
    to: z.string().describe('This release\'s version.'),
    format: z.literal(1).describe('Patch format version (docs/patch-format.md).'),
    algorithm: z.literal('match-mix'),
    old: z
      .strictObject({ name: z.string(), size: z.number().int().min(0), sha256 })
      .describe('The earlier release\'s file it applies to (what users of that version have).'),
    packs: z.array(packedFileSchema).length(1).describe('The release file it makes, with the digest it had then.'),
  })
  .describe('A delta patch from an earlier release\'s file to this release\'s.');

export const patchIndexSchema = z
  .strictObject({
    kind: z.literal('patches'),
    ...file,
    patches: z.number().int().min(0).describe('Patches listed.'),
    skipped: z.number().int().min(0).describe('Pairs left without a patch (larger than patches.maxShare of the compressed file).'),
  })
  .describe('patches.json: every patch of this release, and the pairs skipped.');

/**
 * What a channel manifest names (the MSIs or zips it points at, with the digests it states):
 * when one of those files changes, the manifest states a wrong hash and is written again.
 */
const names = z.array(packedFileSchema).describe('The release files it points at, with the SHA-256 it states for each.');

export const wingetSchema = z
  .strictObject({
    kind: z.literal('winget'),
    ...file,
    winget: z.strictObject({
      manifest: z.enum(['version', 'installer', 'defaultLocale']).describe('Which file of the multi-file manifest.'),
      packageIdentifier: z.string(),
      packageVersion: z.string(),
      manifestVersion: z.string().describe('The winget manifest schema version it follows.'),
    }),
    packs: names,
  })
  .describe('One file of the winget manifest of this release (winget/manifests/…).');

export const scoopSchema = z
  .strictObject({
    kind: z.literal('scoop'),
    ...file,
    scoop: z.strictObject({ name: z.string().describe('The app name in a bucket.'), version: z.string() }),
    packs: names,
  })
  .describe('The Scoop manifest of this release (scoop/<name>.json).');

export const artifactSchema = z.discriminatedUnion('kind', [binarySchema, msiSchema, archiveSchema, msixSchema, appinstallerSchema, patchSchema, patchIndexSchema, wingetSchema, scoopSchema, checksumsSchema]);

export type Artifact = z.infer<typeof artifactSchema>;
export type ArtifactKind = Artifact['kind'];
export type ArtifactOf<K extends ArtifactKind> = Extract<Artifact, { kind: K }>;
export type Signature = z.infer<typeof signatureSchema>;
export type PackedFile = z.infer<typeof packedFileSchema>;
/** The kinds that are built for one target. */
export type TargetArtifact = Extract<Artifact, { goarch: string }>;

const SCHEMA_OF_KIND = { binary: binarySchema, msi: msiSchema, archive: archiveSchema, msix: msixSchema, appinstaller: appinstallerSchema, patch: patchSchema, patches: patchIndexSchema, winget: wingetSchema, scoop: scoopSchema, checksums: checksumsSchema } as const;

/**
 * The artifact with its fields in the schema's order (and checked against it), so that the state
 * and the manifests are the same bytes whether a record was made in this run or read back from
 * an earlier one. A dry run's records (no digests yet) are returned as they are.
 */
export function canonicalArtifact(a: Artifact): Artifact {
  const parsed = SCHEMA_OF_KIND[a.kind].safeParse(a);
  return parsed.success ? (parsed.data as Artifact) : a;
}

/** Listing order: by kind in release order, then architecture, then path. */
export const ARTIFACT_KINDS: readonly ArtifactKind[] = ['binary', 'archive', 'msi', 'msix', 'appinstaller', 'patch', 'patches', 'winget', 'scoop', 'checksums'];
