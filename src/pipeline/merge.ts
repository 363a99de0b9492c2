import { copyFile, mkdir, realpath, rename, rm } from 'node:fs/promises';
import { dirname, isAbsolute, relative, resolve } from 'node:path';
import { fileFacts, inDist } from '../artifacts/files.js';
import type { Artifact } from '../artifacts/kinds.js';
import { readState, readStateShape, statePath, writeState, type ReleaseState } from '../artifacts/state.js';
import { SUPPORTED_TARGETS, type Target } from '../util/arch.js';
import { StageError, UsageError } from '../util/errors.js';
import { forgetTemp, tempSibling } from '../util/fs.js';
import { TOOL_VERSION } from '../util/toolVersion.js';
import { checkDistIsOurs, claimLocked, retirePreviousRelease } from './dist.js';
import { checkDistFolder } from './distSafety.js';
import { lockDist, REFUSE_IF_LOCKED, type LockPolicy } from './lock.js';

// `release merge`: the parts of a --split release (one per CI machine) become one dist/. The
// parts must be one release (same version, commit, date and config), hold different targets and
// different files; what they completed in common is what the merged release has completed.

export interface ReleasePart {
  /** The part's folder, as given. */
  dir: string;
  state: ReleaseState;
}

/** The release facts that must agree, by name. `dirty` may differ (one machine's checkout). */
const SAME_FACTS = ['version', 'commit', 'date', 'snapshot', 'versionSource', 'tag'] as const;

/** Join the states of `parts` (pure). Refuses parts of different releases and parts that overlap. */
export function mergeStates(parts: readonly ReleasePart[], warn: (message: string) => void): ReleaseState {
  if (parts.length === 0) throw new UsageError('release merge needs the folders of the parts to join: release merge DIR…');
  const [first, ...rest] = parts as [ReleasePart, ...ReleasePart[]];
  for (const p of parts) {
    if (!p.state.partial) throw new UsageError(`${p.dir} holds a whole release, not a part of one (made without --split): merge only the dists of release build --split`);
  }
  for (const p of rest) {
    if (p.state.project !== first.state.project) throw new UsageError(`${p.dir} is project "${p.state.project}", ${first.dir} is "${first.state.project}": parts of different projects cannot be merged`);
    for (const fact of SAME_FACTS) {
      const [a, b] = [first.state.release[fact], p.state.release[fact]];
      if (a !== b) throw new UsageError(`${first.dir} and ${p.dir} are parts of different releases: ${fact} ${JSON.stringify(a)} and ${JSON.stringify(b)}; build every part from the same commit and version`);
    }
    if (p.state.configDigest !== first.state.configDigest) {
      throw new UsageError(`${first.dir} and ${p.dir} were built with different release.yaml files (config digests ${first.state.configDigest.slice(0, 12)}… and ${p.state.configDigest.slice(0, 12)}…): build every part from the same release.yaml`);
    }
  }
  const targetOwner = new Map<string, string>();
  const fileOwner = new Map<string, string>();
  const artifacts: Artifact[] = [];
  for (const p of parts) {
    for (const t of p.state.targets) {
      const other = targetOwner.get(t);
      if (other !== undefined) throw new UsageError(`${other} and ${p.dir} both hold ${t}: give each part its own --targets`);
      targetOwner.set(t, p.dir);
    }
    for (const a of p.state.artifacts) {
      const other = fileOwner.get(a.path);
      if (other !== undefined) throw new UsageError(`${other} and ${p.dir} both hold ${a.path}: the parts overlap (two builds write the same file?)`);
      fileOwner.set(a.path, p.dir);
      artifacts.push(a);
    }
  }
  const tools: Record<string, string> = {};
  for (const p of parts) {
    for (const [tool, version] of Object.entries(p.state.tools)) {
      const seen = tools[tool];
      if (seen !== undefined && seen !== version) {
        warn(`the parts were made with different ${tool} versions (${seen}, ${version}): the merged release records both`);
        tools[tool] = [...new Set([...seen.split(', '), version])].sort().join(', ');
      } else tools[tool] = version;
    }
  }
  const completed = first.state.completed.filter((id) => rest.every((p) => p.state.completed.includes(id)));
  for (const p of parts) {
    const missed = p.state.completed.filter((id) => !completed.includes(id));
    if (missed.length) warn(`${p.dir} ran ${missed.join(', ')}, which not every part ran: the merged release counts ${missed.length > 1 ? 'them' : 'it'} as not done`);
  }
  return {
    schemaVersion: first.state.schemaVersion,
    writtenBy: TOOL_VERSION,
    project: first.state.project,
    configDigest: first.state.configDigest,
    release: { ...first.state.release, dirty: parts.some((p) => p.state.release.dirty) },
    tools,
    targets: [...targetOwner.keys()].sort((a, b) => SUPPORTED_TARGETS.indexOf(a as never) - SUPPORTED_TARGETS.indexOf(b as never)) as ReleaseState['targets'],
    partial: false,
    completed,
    artifacts,
  };
}

/** Is `inner` `outer` or inside it? */
function within(outer: string, inner: string): boolean {
  const rel = relative(outer, inner);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

export interface MergeChecks {
  clean: boolean;
  /** Waiting for (or refusing) another run that works on the output folder. */
  lock?: LockPolicy;
  warn: (m: string) => void;
  /** Digest of the release.yaml of this checkout: the parts must have been built with it. */
  configDigest: string;
  configPath: string;
  /** HEAD of this checkout, when it is a git work tree: the parts must be of that commit. */
  headCommit?: string;
  /** The targets the merged release must hold: every one release.yaml builds, or --targets. */
  targets: readonly Target[];
  /** Whether `targets` came from --targets (for the message). */
  targetsGiven: boolean;
}

/** The merged parts are the release this checkout builds, whole: refused before anything is copied. */
function checkMerged(merged: ReleaseState, dirs: readonly string[], o: MergeChecks): void {
  const parts = dirs.join(', ');
  if (merged.configDigest !== o.configDigest) {
    throw new UsageError(`the parts (${parts}) were built with another release.yaml than ${o.configPath}: merge them from the checkout they were built from`);
  }
  if (o.headCommit !== undefined && merged.release.commit !== 'none' && merged.release.commit !== o.headCommit) {
    throw new UsageError(`the parts (${parts}) were built from commit ${merged.release.commit}, but HEAD is ${o.headCommit}: check out ${merged.release.shortCommit} to merge them`);
  }
  const missing = o.targets.filter((t) => !merged.targets.includes(t));
  const extra = merged.targets.filter((t) => !o.targets.includes(t));
  if (missing.length || extra.length) {
    const expected = o.targetsGiven ? `--targets names ${o.targets.join(', ')}` : `${o.configPath} builds ${o.targets.join(', ')}`;
    throw new UsageError(
      `the parts hold ${merged.targets.join(', ')}, but ${expected}: ${missing.length ? `${missing.join(', ')} missing (a part that did not arrive?)` : `${extra.join(', ')} not wanted`}; merge every part, or name the targets to merge with --targets`,
    );
  }
}

/**
 * Read the parts (each state checked, every file hashed), join them, check the result is the
 * release this checkout builds, and copy their files into `outDir` (each verified against its
 * recorded digest) with the merged state. The remaining stages then run from that state.
 */
export async function mergeParts(dirs: readonly string[], outDir: string, o: MergeChecks): Promise<ReleaseState> {
  const out = resolve(outDir);
  const parts: ReleasePart[] = [];
  for (const dir of dirs) {
    const full = resolve(dir);
    const real = await realpath(full).catch(() => {
      throw new UsageError(`release merge: ${dir} does not exist`);
    });
    const realOut = await realpath(out).catch(() => out);
    if (within(real, realOut) || within(realOut, real)) throw new UsageError(`release merge: the output ${out} and the part ${dir} overlap; write the merged release to another folder (-o)`);
    const state = await readState(full, TOOL_VERSION);
    if (!state) throw new UsageError(`release merge: ${dir} has no release state (${statePath(full)}): give the dist folders that release build --split wrote`);
    parts.push({ dir, state });
  }
  const merged = mergeStates(parts, o.warn);
  checkMerged(merged, dirs, o);

  const unsafe = await checkDistFolder(out, dirname(o.configPath));
  if (unsafe) throw new UsageError(`release merge: the output ${out} ${unsafe}; write the merged release to a folder of its own (-o)`);
  // Locked before anything in it is read or moved: another run may be working there.
  const existed = await checkDistIsOurs(out, o.clean);
  const lock = o.lock ?? REFUSE_IF_LOCKED;
  const held = existed ? await lockDist(out, lock) : undefined;
  const previous = o.clean || !existed ? undefined : await readStateShape(out, TOOL_VERSION).catch(() => undefined);
  const { deletion: cleared, unlock } = await claimLocked(out, o.clean, held, dirname(o.configPath), lock);
  try {
    // The merged state first, listing nothing (so no moment lists a file not there yet), then
    // the files, each part's recorded as it lands; the stages the parts completed, at the end.
    await writeState(out, { ...merged, completed: [], artifacts: [] });
    await (await retirePreviousRelease(out, previous, merged.project)).done;
    const copied: Artifact[] = [];
    for (const p of parts) {
      for (const a of p.state.artifacts) {
        await copyVerified(inDist(resolve(p.dir), a.path), inDist(out, a.path), a);
        copied.push(a);
      }
      await writeState(out, { ...merged, completed: [], artifacts: copied });
    }
    await writeState(out, merged);
  } finally {
    await unlock();
    await cleared.done.catch(() => undefined);
  }
  return merged;
}

async function copyVerified(from: string, to: string, a: Artifact): Promise<void> {
  await mkdir(dirname(to), { recursive: true });
  const temp = tempSibling(to);
  try {
    await copyFile(from, temp);
    const facts = await fileFacts(temp);
    if (facts.sha256 !== a.sha256 || facts.size !== a.size) throw new StageError(`release merge: the copy of ${from} does not match its recorded digest (the file changed while it was copied?)`);
    await rename(temp, to);
  } catch (err) {
    await rm(temp, { force: true });
    throw err;
  } finally {
    forgetTemp(temp);
  }
}
