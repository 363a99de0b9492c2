import { readFile, writeFile } from 'node:fs/promises';
import { problemsOf, StageError } from '../util/errors.js';
import { checkProjectInput } from '../context/projectFiles.js';
import { payloadError } from '../payload/problems.js';
import { SOURCE_RULE_TITLES } from '../payload/sources.js';
import { byArch, byBuild } from '../artifacts/registry.js';
import { archOf } from '../util/arch.js';
import type { BuildConfig } from '../config/schema.js';
import type { ReleaseContext } from '../context/context.js';
import type { VersionResourceInfo } from '../pe/resources.js';
import { versionStrings, type VersionTexts } from '../pe/versionInfoSize.js';
import { checkedIcon, checkVersionResources } from './resourcesPreflight.js';
import { runBounded } from '../util/parallel.js';
import { preload } from '../context/preload.js';
import type { TargetStage } from '../context/stage.js';
import { produceAtomic } from '../util/fs.js';
import { toWindowsFileVersion } from '../version/semver.js';

/** The texts of a build's VERSIONINFO (what the preflight measures and the stage writes). */
export function versionTexts(ctx: ReleaseContext, build: BuildConfig): VersionTexts {
  const { project } = ctx.config;
  const year = ctx.release.date.getUTCFullYear();
  return {
    versionText: ctx.release.version,
    companyName: project.vendor,
    productName: project.name,
    fileDescription: build.resources.description ?? (project.description || project.name),
    legalCopyright: project.copyright ?? `Copyright (C) ${year} ${project.vendor || project.name}`.trim(),
    originalFilename: `${build.binary}.exe`,
    internalName: build.binary,
  };
}

export function versionResourceInfo(ctx: ReleaseContext, build: BuildConfig): Omit<VersionResourceInfo, 'icon'> {
  return {
    fileVersion: toWindowsFileVersion(ctx.release.semver),
    ...versionTexts(ctx, build),
    executionLevel: build.resources.executionLevel,
  };
}

/** VERSIONINFO, application manifest and icon, written into each exe after the build. */
export const versionResources: TargetStage = {
  id: 'resources',
  title: 'Embed version resources',
  scope: 'target',
  readsProject: true,
  consumes: [],
  produces: [],
  modifies: ['binary'],
  skip: (ctx) => (ctx.config.builds.every((b) => b.resources.disabled) ? 'resources disabled for every build' : false),
  preload: () => preload(import('../pe/resources.js')),
  // The file version, the VERSIONINFO strings and the icons are checked before anything builds.
  // Each icon is also checked to be a file inside the project (payload rules): both reported together.
  prepare: async (ctx) => {
    const icons = await checkIcons(ctx);
    const rest = await checkVersionResources(ctx, (build) => ({ strings: versionStrings(versionTexts(ctx, build)) }), icons.refused).then(
      () => undefined,
      (err: Error) => err,
    );
    const found = problemsOf([icons.error, rest].filter((e): e is Error => e !== undefined));
    if (found) throw found;
  },
  async run(ctx, target, signal) {
    const builds = ctx.config.builds.map((build, index) => ({ build, index })).filter(({ build }) => !build.resources.disabled);
    for (const { build, index } of builds) {
      const info = versionResourceInfo(ctx, build);
      const icon = build.resources.icon === undefined ? undefined : await checkedIcon(ctx, build, index);
      const binaries = ctx.artifacts.ofKind('binary', byBuild(build.id), byArch(archOf(target)));
      if (ctx.runner.dryRun) {
        for (const bin of binaries) ctx.logger.info(`# embed VERSIONINFO ${info.fileVersion.join('.')}, manifest (${info.executionLevel})${icon ? ', icon' : ''} into ${ctx.fileOf(bin)}`);
        continue;
      }
      const { embedResources, InvalidIconError } = await import('../pe/resources.js'); // resedit: loaded when used
      await runBounded(binaries, binaries.length, signal, async ({ signature, ...bin }) => {
        // Rewriting a signed exe would leave a signature that no longer matches it.
        if (signature) throw new StageError(`${bin.path} is already signed: embedding resources now would break its signature; rebuild it (release build) instead`);
        const file = ctx.fileOf(bin);
        const pe = await readFile(file);
        let out: Uint8Array;
        try {
          out = embedResources(pe, { ...info, icon });
        } catch (err) {
          if (err instanceof InvalidIconError) throw new StageError(`builds[${index}].resources.icon: ${build.resources.icon}: ${err.message}`);
          throw new StageError(`cannot add resources to ${file}: ${(err as Error).message}`);
        }
        await produceAtomic(file, (temp) => writeFile(temp, out, { mode: 0o755 }));
        await ctx.record(bin);
      });
    }
  },
};

/**
 * Every icon is a regular file inside the project folder (after links), checked when the run
 * starts with lstat/stat only: an icon from elsewhere is not embedded silently, and a FIFO is
 * refused rather than opened (reading one would hang the run).
 */
async function checkIcons(ctx: ReleaseContext): Promise<{ error?: Error; refused: Set<number> }> {
  const checks = await Promise.all(
    ctx.config.builds.map(async (build, index) => ({
      index,
      problem: build.resources.disabled || build.resources.icon === undefined ? undefined : await checkProjectInput(ctx, build.resources.icon, `builds[${index}].resources.icon`),
    })),
  );
  const refused = checks.filter((c) => c.problem !== undefined);
  if (refused.length === 0) return { refused: new Set() };
  return {
    refused: new Set(refused.map((c) => c.index)),
    error: payloadError('builds[].resources.icon', `the icons to embed (from ${ctx.projectDir})`, refused.map((c) => c.problem!), SOURCE_RULE_TITLES, 'Keep each icon inside the project folder, as a regular .ico file.'),
  };
}
