import { lstat, readFile } from 'node:fs/promises';
import { z } from 'zod';
import { SUPPORTED_TARGETS } from '../util/arch.js';
import { UsageError } from '../util/errors.js';
import { sha256, sha256File, writeFileDurable } from '../util/fs.js';
import { artifactSchema, type Artifact } from './kinds.js';
import { inDist } from './files.js';
import { STATE_FILE } from './names.js';
import { compareArtifacts } from './registry.js';

// The release state, dist/.winship/state.json: what the runs so far made of this release, so that
// a later run (--only, `release sign`), another machine (signing elsewhere) or `release merge`
// can continue from it. It is data the next run trusts, so it is checked when it is read: its
// shape, its version, and the digest of every file it lists.

export const STATE_SCHEMA_VERSION = 1;
export const STATE_SCHEMA_URL = 'https://winship.dev/schema/state.schema.json';

export const releaseFactsSchema = z
  .strictObject({
    version: z.string(),
    snapshot: z.boolean(),
    versionSource: z.enum(['flag', 'tag', 'config', 'snapshot']),
    commit: z.string(),
    shortCommit: z.string(),
    date: z.iso.datetime().describe('The commit date (or SOURCE_DATE_EPOCH): the only clock a release reads.'),
    tag: z.string().nullable(),
    dirty: z.boolean().describe('Built from a work tree with uncommitted changes.'),
  })
  .describe('Version, commit and date, read once by the run that started the release.');

export const stateSchema = z
  .strictObject({
    $schema: z.string().optional(),
    schemaVersion: z.literal(STATE_SCHEMA_VERSION),
    writtenBy: z.string().describe('The winship version that last wrote this file.'),
    project: z.string(),
    configDigest: z.string().regex(/^[0-9a-f]{64}$/).describe('SHA-256 of release.yaml as parsed (defaults filled in): a run with another config may not continue.'),
    release: releaseFactsSchema,
    tools: z.record(z.string(), z.string()).describe('Versions of the tools that made the files ({ go: "go1.26.8", wixl: "0.101" }).'),
    targets: z.array(z.enum(SUPPORTED_TARGETS)).describe('The targets this dist/ holds.'),
    partial: z.boolean().describe('Made with --split: one part of a release, for `release merge`.'),
    completed: z.array(z.string()).describe('Stages that ran to the end on these files, in pipeline order.'),
    artifacts: z.array(artifactSchema),
  })
  .describe('winship release state (dist/.winship/state.json)');

export type ReleaseState = z.infer<typeof stateSchema>;
export type ReleaseFacts = ReleaseState['release'];

/** Where the state of `distDir` is. */
export function statePath(distDir: string): string {
  return inDist(distDir, STATE_FILE);
}

/** SHA-256 of the parsed config, keys sorted: the same release.yaml gives the same digest anywhere. */
export function configDigest(config: unknown): string {
  return sha256(canonicalJson(config));
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value).filter(([, v]) => v !== undefined).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** The file's text: stable (sorted artifacts, tools and targets), so two equal states are equal bytes. */
export function serializeState(state: ReleaseState): string {
  // Parsed on the way out: a stage that records something the schema does not allow fails here,
  // not in the next run that reads it; and the fields come out in the schema's order.
  const doc: ReleaseState = stateSchema.parse({
    $schema: STATE_SCHEMA_URL,
    ...state,
    tools: Object.fromEntries(Object.entries(state.tools).sort(([a], [b]) => (a < b ? -1 : 1))),
    targets: [...state.targets].sort((a, b) => SUPPORTED_TARGETS.indexOf(a) - SUPPORTED_TARGETS.indexOf(b)),
    artifacts: [...state.artifacts].sort(compareArtifacts),
  });
  return `${JSON.stringify(doc, null, 2)}\n`;
}

export async function writeState(distDir: string, state: ReleaseState): Promise<void> {
  await writeFileDurable(statePath(distDir), serializeState(state));
}

/** Why the release state cannot be used. Exit 2: the user has to act (restore or rebuild). */
export class ReleaseStateError extends UsageError {
  override name = 'ReleaseStateError';
}

const REBUILD = 'start the release again with: release build --clean';

/**
 * Parse and check the text of a state file. `where` names the file in messages. Refuses a state
 * from a newer winship (naming both versions), damaged JSON and anything the schema does not
 * allow, with the key path of each problem.
 */
export function parseState(text: string, where: string, toolVersion: string): ReleaseState {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new ReleaseStateError(`${where} is not valid JSON (${(err as Error).message}): it was damaged or edited by hand; ${REBUILD}`);
  }
  const version = (data as { schemaVersion?: unknown } | null)?.schemaVersion;
  if (typeof version === 'number' && version > STATE_SCHEMA_VERSION) {
    const writer = (data as { writtenBy?: unknown }).writtenBy;
    throw new ReleaseStateError(
      `${where} was written by winship ${typeof writer === 'string' ? writer : '(unknown version)'} (state schema ${version}); this is winship ${toolVersion} (state schema ${STATE_SCHEMA_VERSION}): continue with that winship or a newer one, or ${REBUILD}`,
    );
  }
  const parsed = stateSchema.safeParse(data);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `  - ${formatPath(i.path)}: ${i.message}`);
    throw new ReleaseStateError(`${where} is not a release state winship can use (damaged or edited by hand):\n${problems.join('\n')}\n${REBUILD}`);
  }
  const seen = new Set<string>();
  for (const a of parsed.data.artifacts) {
    if (seen.has(a.path)) throw new ReleaseStateError(`${where} lists ${a.path} twice (damaged or edited by hand); ${REBUILD}`);
    seen.add(a.path);
    if ('goarch' in a && !parsed.data.targets.includes(`windows/${a.goarch}`)) {
      throw new ReleaseStateError(`${where} lists ${a.path} (windows/${a.goarch}), but its targets are ${parsed.data.targets.join(', ') || 'none'} (damaged or edited by hand); ${REBUILD}`);
    }
  }
  return parsed.data;
}

function formatPath(path: readonly PropertyKey[]): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? String(p) : `.${String(p)}`)).join('') || '(top level)';
}

/** The state of `distDir`, checked (see parseState and verifyStateFiles); undefined when there is none. */
export async function readState(distDir: string, toolVersion: string): Promise<ReleaseState | undefined> {
  const state = await readStateShape(distDir, toolVersion);
  if (state) await verifyStateFiles(state, distDir);
  return state;
}

/**
 * The state of `distDir` with its shape and version checked but its files not yet hashed (a
 * caller checks what is cheap first, then calls verifyStateFiles); undefined when there is none.
 */
export async function readStateShape(distDir: string, toolVersion: string): Promise<ReleaseState | undefined> {
  const file = statePath(distDir);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new ReleaseStateError(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  return parseState(text, file, toolVersion);
}

/**
 * Every file the state lists is there, a regular file, with the recorded size and SHA-256. A file
 * changed behind our back (re-signed by hand, replaced, truncated) is an error naming it: the
 * state would otherwise vouch for bytes it never saw.
 */
export async function verifyStateFiles(state: ReleaseState, distDir: string): Promise<void> {
  const problems = (await Promise.all(state.artifacts.map((a) => fileProblem(distDir, a)))).filter((p): p is string => p !== undefined);
  if (problems.length) {
    throw new ReleaseStateError(
      `${problems.length === 1 ? 'a file' : `${problems.length} files`} in ${distDir} no longer match${problems.length === 1 ? 'es' : ''} the release state (${statePath(distDir)}):\n${problems.map((p) => `  - ${p}`).join('\n')}\nPut the recorded files back, or ${REBUILD}`,
    );
  }
}

async function fileProblem(distDir: string, a: Artifact): Promise<string | undefined> {
  const file = inDist(distDir, a.path);
  const info = await lstat(file).catch(() => undefined);
  if (!info) return `${a.path}: missing`;
  if (!info.isFile()) return `${a.path}: not a regular file any more`;
  if (info.size !== a.size) return `${a.path}: changed after winship recorded it (${a.size} bytes recorded, ${info.size} now)`;
  const digest = await sha256File(file);
  if (digest !== a.sha256) return `${a.path}: changed after winship recorded it (sha256 ${a.sha256.slice(0, 12)}… recorded, ${digest.slice(0, 12)}… now)`;
  return undefined;
}

export function stateJsonSchema(): Record<string, unknown> {
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    $id: STATE_SCHEMA_URL,
    title: 'winship release state',
    ...z.toJSONSchema(stateSchema, { io: 'input', target: 'draft-2020-12' }),
  };
}
