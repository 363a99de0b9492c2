import { readFile, writeFile } from 'node:fs/promises';
import { StageError } from '../util/errors.js';
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
  prepare: (ctx) => checkVersionResources(ctx, (build) => ({ strings: versionStrings(versionTexts(ctx, build)) })),
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
