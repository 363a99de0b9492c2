import { mkdir, rm, rmdir, writeFile } from 'node:fs/promises';
import { byArch, packedFile } from '../artifacts/registry.js';
import type { ReleaseContext } from '../context/context.js';
import { StageError } from '../util/errors.js';
import { msiName } from '../artifacts/names.js';
import { archOf, windowsArchOf, type GoArch } from '../util/arch.js';
import { preload } from '../context/preload.js';
import type { TargetStage } from '../context/stage.js';
import { forgetTemp, produceAtomic, sha256, sha256File, trackTemp } from '../util/fs.js';
import { uuidV5 } from '../msi/wix/guid.js';
import type { PayloadEntry } from '../msi/wix/payload.js';
import { msiArches, msiSetup, payloadOf, wixSourcesOptions, workDirOf, type MsiSetup } from './msiSetup.js';

/** Windows Installer packages, one per target, from the (signed) binaries plus msi.files. */
export const msi: TargetStage = {
  id: 'msi',
  title: 'Build MSI packages',
  scope: 'target',
  readsProject: true,
  consumes: ['binary'],
  produces: ['msi'],
  modifies: [],
  skip: (ctx) => (!ctx.config.msi ? 'no msi: section in release.yaml' : ctx.config.msi.disabled ? 'msi.disabled is set' : false),
  worksOn: (ctx, target) => msiArches(ctx, ctx.config.msi!).includes(archOf(target)),
  preload: () => preload(import('../msi/pinTimestamps.js')),
  // The backend, the version mapping, msi.files, the shortcut's and service's files and every
  // package's WiX sources are checked before anything compiles (msiSetup.ts).
  prepare: async (ctx) => void (await msiSetup(ctx)),
  async run(ctx, target, signal) {
    const setup = await msiSetup(ctx);
    const arch = archOf(target);
    if (setup.arches.includes(arch)) await buildPackage(ctx, setup, arch, signal);
  },
};

async function buildPackage(ctx: ReleaseContext, job: MsiSetup, arch: GoArch, signal: AbortSignal): Promise<void> {
  const { cfg, backend } = job;
  const wixArch = windowsArchOf(arch);
  const binaries = ctx.artifacts.ofKind('binary', byArch(arch));
  const payload = payloadOf(ctx, binaries, job.extra);
  const options = wixSourcesOptions(ctx, job, arch, payload);
  const { productName, manufacturer } = options;
  const workDir = workDirOf(ctx, arch);
  // The WiX generation (and fast-xml-parser) was loaded by the preflight, which rendered these
  // sources once already with the files' planned names.
  const { buildWixSources } = await import('../msi/wix/sources.js');
  const sources = await buildWixSources(options).catch((err: unknown) => {
    throw err instanceof StageError ? new StageError(`msi (${wixArch}): ${err.message}`, err.details) : err;
  });
  for (const w of sources.warnings) ctx.warn(`msi (${wixArch}): ${w}`);

  const name = msiName(ctx, arch);
  const output = ctx.dist(name);
  const files = Object.keys(sources.files).sort();
  const known = new Map(binaries.map((b) => [ctx.fileOf(b), b.sha256]));
  const packageCode = await derivePackageCode(ctx, sources.productCode, sources.files, payload, `${backend.id} ${job.toolVersion ?? ''}`, known);
  const build = (out: string) =>
    backend.build(ctx.runner, {
      workDir,
      sources: files,
      output: out,
      arch: wixArch,
      ui: cfg.ui,
      subject: productName,
      author: manufacturer,
      language: cfg.language,
      packageCode,
      date: ctx.release.date,
      harvest: sources.model,
      toolVersion: job.toolVersion,
      signal,
    });
  if (ctx.runner.dryRun) {
    ctx.logger.info(`# write ${files.join(', ')} (${payload.length} files) into ${workDir}`);
    await build(output);
  } else {
    // wixl is CPU work: it takes a slot, like go build.
    await ctx.cpu.run(async () => {
      await mkdir(workDir, { recursive: true });
      trackTemp(workDir);
      try {
        for (const f of files) await writeFile(`${workDir}/${f}`, sources.files[f]!);
        await produceAtomic(output, async (out) => {
          await build(out);
          // The native writer dates everything from the release date itself.
          if (backend.id !== 'native') await pinTimes(ctx, out, payload.length, wixArch);
        });
      } finally {
        await rm(workDir, { recursive: true, force: true });
        forgetTemp(workDir);
        // Only when no other arch still uses them.
        for (const folder of [ctx.work(), ctx.dist('.work')]) await rmdir(folder).catch(() => undefined);
      }
    }, signal);
  }
  await ctx.record({
    kind: 'msi',
    name,
    path: name,
    goos: 'windows',
    goarch: arch,
    msi: { arch: wixArch, productVersion: job.version, productCode: sources.productCode, upgradeCode: job.upgradeCode, packageCode, backend: backend.id, files: payload.length },
    packs: binaries.map(packedFile),
  });
}

/**
 * Same commit, same bytes: the builders stamp "now" into the summary and the source files'
 * mtimes into the cabinet; both become the release date (see msi/pinTimestamps.ts).
 */
async function pinTimes(ctx: ReleaseContext, msiPath: string, files: number, wixArch: string): Promise<void> {
  const { pinMsiTimestamps } = await import('../msi/pinTimestamps.js');
  const pinned = await pinMsiTimestamps(msiPath, ctx.release.date);
  if (pinned.summaryProperties === 0 || pinned.cabinetFiles !== files) {
    ctx.warn(
      `msi (${wixArch}): found ${pinned.summaryProperties} summary times and ${pinned.cabinetFiles} of ${files} cabinet file dates to set; ` +
        'the package is valid but may not be byte-reproducible',
    );
  }
}

/**
 * The PackageCode must differ for every different .msi and be stable for the same inputs:
 * derive it from the ProductCode and a digest of the sources, the payload bytes and the backend.
 */
async function derivePackageCode(ctx: ReleaseContext, productCode: string, sources: Record<string, string>, payload: PayloadEntry[], backend: string, known: ReadonlyMap<string, string>): Promise<string> {
  const parts = [backend, ...Object.entries(sources).sort().map(([n, t]) => `${n}\n${t}`)];
  // Release files come with their recorded digest; only project files (README…) are hashed here.
  for (const p of payload) parts.push(`${p.relativePath}=${ctx.runner.dryRun ? '' : (known.get(p.sourcePath) ?? (await sha256File(p.sourcePath)))}`);
  return uuidV5(productCode, sha256(parts.join('\n')));
}
