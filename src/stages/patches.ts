import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { deflateRawSync } from 'node:zlib';
import { isReleaseFolder, latestBefore, readEarlierRelease, verifiedEarlierFile, type EarlierRelease } from '../artifacts/earlier.js';
import type { Artifact, ArtifactOf } from '../artifacts/kinds.js';
import { PATCH_INDEX, patchName, STATE_DIR } from '../artifacts/names.js';
import { PATCH_INDEX_SCHEMA_URL, PATCH_INDEX_SCHEMA_VERSION, type PatchEntry, type PatchIndexDocument, type SkippedPatch } from '../artifacts/patchIndex.js';
import { packedFile } from '../artifacts/registry.js';
import type { ReleaseContext } from '../context/context.js';
import type { ReleaseStage } from '../context/stage.js';
import type { PATCHABLE_KINDS } from '../config/schema.js';
import { createPatchFromFiles } from '../delta/offThread.js';
import { earlierReleasesFromFeed } from '../feed/earlier.js';
import { loadFeedKey, parsePublicKey } from '../feed/key.js';
import { RELEASES_JSON } from '../feed/model.js';
import { isS3Url } from '../feed/store.js';
import { targetOf } from '../util/arch.js';
import { problemsOf, UsageError } from '../util/errors.js';
import { produceAtomic, writeFileAtomic } from '../util/fs.js';
import { TOOL_VERSION } from '../util/toolVersion.js';

type PatchableKind = (typeof PATCHABLE_KINDS)[number];
type Patchable = ArtifactOf<PatchableKind>;

const DEFAULTS = { previous: 3, kinds: ['binary'] as PatchableKind[], maxShare: 0.5 };
const settings = (ctx: ReleaseContext) => ({ ...DEFAULTS, ...ctx.config.patches });

/**
 * The earlier releases to patch from, read and checked once, when the run starts: --previous
 * DIR… (each must be an earlier release of this project), else the release folders in
 * patches.from (those not earlier than this version are left alone: the folder may hold this one
 * too). Newest first, at most patches.previous.
 */
function earlierReleases(ctx: ReleaseContext): Promise<EarlierRelease[]> {
  return ctx.once('earlier-releases', async () => {
    const project = ctx.config.project.name;
    const given = ctx.options.previous;
    const problems: Error[] = [];
    const found: EarlierRelease[] = [];
    if (given?.length) {
      for (const dir of given) {
        try {
          const release = await readEarlierRelease(dir, project, TOOL_VERSION);
          if (latestBefore([release], ctx.release.semver, 1).length === 0) {
            problems.push(new UsageError(`--previous ${dir}: version ${release.version} is not earlier than this release (${ctx.release.version})`));
          } else found.push(release);
        } catch (err) {
          problems.push(new UsageError(`--previous ${dir}: ${(err as Error).message.replace(/^earlier release \S+:? ?/, '')}`));
        }
      }
    } else if (await isFeed(ctx)) {
      found.push(...(await feedReleases(ctx)));
    } else {
      const from = ctx.project(ctx.config.patches!.from!);
      const where = ctx.positions.at(['patches', 'from']);
      const info = await stat(from).catch(() => undefined);
      if (!info?.isDirectory()) throw new UsageError(`${where}: ${from} is ${info ? 'not a folder' : 'missing'}: patches.from names the folder that holds earlier releases (one subfolder each, laid out like dist/)`);
      const candidates = (await isReleaseFolder(from))
        ? [from]
        : (await readdir(from, { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => join(from, e.name)).sort();
      for (const dir of candidates) {
        if (!(await isReleaseFolder(dir))) continue;
        try {
          found.push(await readEarlierRelease(dir, project, TOOL_VERSION));
        } catch (err) {
          problems.push(new UsageError(`${where}: ${(err as Error).message}`));
        }
      }
    }
    const chosen = latestBefore(found, ctx.release.semver, settings(ctx).previous);
    // Their files are hashed now, before anything is compiled: one that changed since its
    // release recorded it (re-signed, replaced) would make a patch users cannot apply.
    const kinds: readonly string[] = settings(ctx).kinds;
    for (const release of chosen) {
      for (const artifact of release.artifacts.filter((a) => kinds.includes(a.kind))) {
        await verifiedEarlierFile(release, artifact).catch((err: Error) => problems.push(err));
      }
    }
    const problem = problemsOf(problems, (n) => `${n} problems with the earlier releases to patch from:`);
    if (problem) throw problem;
    return chosen;
  });
}

/** Whether patches.from names an update feed: s3://…, or a folder holding releases.json. */
async function isFeed(ctx: ReleaseContext): Promise<boolean> {
  const from = ctx.config.patches?.from;
  if (from === undefined) return false;
  if (isS3Url(from)) return true;
  return (await stat(join(ctx.project(from), RELEASES_JSON)).catch(() => undefined))?.isFile() === true;
}

/** The key that checks the feed's releases.json: patches.publicKey, publish.publicKey, else the public half of the feed key. */
async function feedPublicKey(ctx: ReleaseContext) {
  const own = ctx.config.patches?.publicKey;
  if (own) return parsePublicKey(own, ctx.positions.at(['patches', 'publicKey']));
  const cfg = ctx.config.publish;
  if (cfg?.publicKey) return parsePublicKey(cfg.publicKey, ctx.positions.at(['publish', 'publicKey']));
  try {
    return await loadFeedKey(cfg?.feedKey === undefined ? undefined : ctx.project(cfg.feedKey));
  } catch (err) {
    throw new UsageError(`${ctx.positions.at(['patches', 'from'])}: patches from a feed need its public key to check releases.json: set patches.publicKey (what release feed keygen printed), so the build needs no private key. ${(err as Error).message}`);
  }
}

/** The newest earlier versions of the feed patches.from names, downloaded into dist/.winship/feed/ and checked. */
async function feedReleases(ctx: ReleaseContext): Promise<EarlierRelease[]> {
  const from = ctx.config.patches!.from!;
  const cfg = ctx.config.publish;
  const { kinds, previous } = settings(ctx);
  return earlierReleasesFromFeed({
    feed: isS3Url(from) ? from : ctx.project(from),
    cwd: ctx.project('.'),
    s3: { ...(cfg?.s3Endpoint ? { endpoint: cfg.s3Endpoint } : {}), ...(cfg?.s3PathStyle !== undefined ? { pathStyle: cfg.s3PathStyle } : {}) },
    project: ctx.config.project.name,
    current: ctx.release.semver,
    count: previous,
    kinds,
    cacheDir: join(ctx.distDir, STATE_DIR, 'feed'),
    publicKey: await feedPublicKey(ctx),
    logger: { info: (m) => ctx.logger.info(m), warn: (m) => ctx.warn(m) },
  });
}

/** The earlier release's file that `artifact` replaces: same kind, target and name. */
function counterpart(release: EarlierRelease, artifact: Patchable): Patchable | undefined {
  return release.artifacts.find(
    (a): a is Patchable => a.kind === artifact.kind && 'goarch' in a && a.goarch === artifact.goarch && (a.kind !== 'binary' || (artifact.kind === 'binary' && a.build === artifact.build && a.name === artifact.name)),
  );
}

/** Signed, or packing only signed binaries (a zip): bytes users really have. */
function signedEnough(artifact: Artifact, all: readonly Artifact[]): boolean {
  if (artifact.kind === 'binary' || artifact.kind === 'msi' || artifact.kind === 'msix') return artifact.signature !== undefined;
  if (artifact.kind === 'archive') {
    return artifact.packs.every((p) => {
      const packed = all.find((a) => a.path === p.path);
      return packed?.kind !== 'binary' || packed.signature !== undefined;
    });
  }
  return false;
}

const extensionOf = (name: string) => name.slice(name.lastIndexOf('.') + 1).toLowerCase();
const stemOf = (artifact: Patchable, project: string) => (artifact.kind === 'binary' ? basename(artifact.name).replace(/\.[^.]*$/, '') : project);

/** A patch is worth it when it is at most maxShare of what downloading the file costs (deflated). */
async function downloadSize(file: string): Promise<number> {
  const bytes = await readFile(file);
  return Math.min(bytes.length, deflateRawSync(bytes, { level: 6 }).length);
}

export const patches: ReleaseStage = {
  id: 'patch',
  title: 'Make delta patches',
  scope: 'release',
  // What patches.kinds may name, so the patches wait until those files are signed and final.
  consumes: ['binary', 'msi', 'msix', 'archive'],
  produces: ['patch', 'patches'],
  modifies: [],
  skip(ctx) {
    if (ctx.config.patches?.disabled) return 'patches.disabled is set';
    if (!ctx.options.previous?.length && !ctx.config.patches?.from) return 'no earlier releases to patch from (patches.from in release.yaml, or --previous DIR)';
    return false;
  },
  prepare: async (ctx) => void (await earlierReleases(ctx)),
  async run(ctx, signal) {
    const releases = await earlierReleases(ctx);
    const { kinds, maxShare } = settings(ctx);
    for (const old of ctx.artifacts.ofKind('patch')) ctx.artifacts.remove(old.path);
    for (const old of ctx.artifacts.ofKind('patches')) ctx.artifacts.remove(old.path);
    if (releases.length === 0) {
      ctx.logger.info(`no release before ${ctx.release.version} in ${ctx.config.patches?.from ?? 'the --previous folders'}: no patches this time`);
      return;
    }
    const all = ctx.artifacts.all();
    const files = all.filter((a): a is Patchable => (kinds as string[]).includes(a.kind));
    const unsigned = files.filter((a) => !signedEnough(a, all));
    if (unsigned.length) {
      ctx.warn(`no patches for ${unsigned.map((a) => a.path).join(', ')}: not signed, and a patch from unsigned bytes would not apply to the signed files users have`);
    }
    const entries: PatchEntry[] = [];
    const skipped: SkippedPatch[] = [];
    const jobs = files
      .filter((a) => signedEnough(a, all))
      .flatMap((artifact) => releases.map((release) => ({ artifact, release, old: counterpart(release, artifact) })))
      .filter((job) => job.old !== undefined && job.old.sha256 !== job.artifact.sha256 && signedEnough(job.old, job.release.artifacts));
    await Promise.all(
      jobs.map(({ artifact, release, old }) =>
        ctx.cpu.run(async () => {
          const from = release.version;
          const oldFile = await verifiedEarlierFile(release, old!);
          const name = patchName(stemOf(artifact, ctx.config.project.name), from, ctx.release.version, artifact.goarch, extensionOf(artifact.name));
          const pair = { from, to: ctx.release.version, target: targetOf(artifact.goarch), kind: artifact.kind, file: artifact.path, oldFile: old!.path };
          if (ctx.runner.dryRun) {
            ctx.logger.info(`# make ${name} (${old!.path} of ${from} → ${artifact.path})`);
            return;
          }
          const patch = await createPatchFromFiles(oldFile, ctx.fileOf(artifact), signal);
          const limit = Math.floor(maxShare * (await downloadSize(ctx.fileOf(artifact))));
          if (patch.length > limit) {
            skipped.push({ ...pair, patchSize: patch.length, limit, reason: `the patch would be ${patch.length} bytes, more than patches.maxShare (${maxShare}) of the ${artifact.name} download` });
            return;
          }
          await produceAtomic(ctx.fileOf({ path: name }), (temp) => writeFile(temp, patch));
          const recorded = await ctx.record({
            kind: 'patch',
            name: basename(name),
            path: name,
            goos: 'windows',
            goarch: artifact.goarch,
            makes: artifact.kind,
            from,
            to: ctx.release.version,
            format: 1,
            algorithm: 'match-mix',
            old: { name: old!.path, size: old!.size, sha256: old!.sha256 },
            packs: [packedFile(artifact)],
          });
          entries.push({
            ...pair,
            patch: name,
            format: 1,
            algorithm: 'match-mix',
            oldSize: old!.size,
            newSize: artifact.size,
            patchSize: recorded.size,
            oldSha256: old!.sha256,
            newSha256: artifact.sha256,
            patchSha256: recorded.sha256,
          });
          ctx.logger.info(`${name}: ${recorded.size} bytes (${((100 * recorded.size) / artifact.size).toFixed(2)} % of ${artifact.name})`);
        }, signal),
      ),
    );
    const order = (a: { file: string; from: string }, b: { file: string; from: string }) =>
      a.file < b.file ? -1 : a.file > b.file ? 1 : releases.findIndex((r) => r.version === a.from) - releases.findIndex((r) => r.version === b.from);
    const doc: PatchIndexDocument = {
      $schema: PATCH_INDEX_SCHEMA_URL,
      schemaVersion: PATCH_INDEX_SCHEMA_VERSION,
      project: ctx.config.project.name,
      version: ctx.release.version,
      patches: entries.sort(order),
      skipped: skipped.sort(order),
    };
    if (ctx.runner.dryRun) ctx.logger.info(`# write ${ctx.dist(PATCH_INDEX)}`);
    else await writeFileAtomic(ctx.dist(PATCH_INDEX), `${JSON.stringify(doc, null, 2)}\n`);
    await ctx.record({ kind: 'patches', name: PATCH_INDEX, path: PATCH_INDEX, patches: entries.length, skipped: skipped.length });
  },
};
