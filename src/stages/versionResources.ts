import { readFile, writeFile } from 'node:fs/promises';
import { StageError } from '../util/errors.js';
import { byBuild, byKind } from '../artifacts/registry.js';
import type { BuildConfig } from '../config/schema.js';
import type { ReleaseContext } from '../context/context.js';
import { embedResources, InvalidIconError, type VersionResourceInfo } from '../pe/resources.js';
import { runBounded } from '../util/parallel.js';
import type { Stage } from '../context/stage.js';
import { produceAtomic } from '../util/fs.js';
import { toWindowsFileVersion } from '../version/semver.js';

export function versionResourceInfo(ctx: ReleaseContext, build: BuildConfig): Omit<VersionResourceInfo, 'icon'> {
  const { project } = ctx.config;
  const year = ctx.release.date.getUTCFullYear();
  return {
    fileVersion: toWindowsFileVersion(ctx.release.semver),
    versionText: ctx.release.version,
    companyName: project.vendor,
    productName: project.name,
    fileDescription: build.resources.description ?? (project.description || project.name),
    legalCopyright: project.copyright ?? `Copyright (C) ${year} ${project.vendor || project.name}`.trim(),
    originalFilename: `${build.binary}.exe`,
    internalName: build.binary,
    executionLevel: build.resources.executionLevel,
  };
}

/** VERSIONINFO, application manifest and icon, written into each exe after the build. */
export const versionResources: Stage = {
  id: 'resources',
  title: 'Embed version resources',
  needs: ['build'],
  skip: (ctx) => (ctx.config.builds.every((b) => b.resources.disabled) ? 'resources disabled for every build' : false),
  async run(ctx) {
    const builds = ctx.config.builds.map((build, index) => ({ build, index })).filter(({ build }) => !build.resources.disabled);
    for (const { build, index } of builds) {
      const info = versionResourceInfo(ctx, build);
      const icon = build.resources.icon === undefined ? undefined : await readIcon(ctx, build, index);
      const binaries = ctx.artifacts.filter(byKind('binary'), byBuild(build.id));
      if (ctx.runner.dryRun) {
        for (const bin of binaries) ctx.logger.info(`# embed VERSIONINFO ${info.fileVersion.join('.')}, manifest (${info.executionLevel})${icon ? ', icon' : ''} into ${bin.path}`);
        continue;
      }
      await runBounded(binaries, ctx.options.concurrency, ctx.signal, async (bin) => {
        const pe = await readFile(bin.path);
        let out: Uint8Array;
        try {
          out = embedResources(pe, { ...info, icon });
        } catch (err) {
          if (err instanceof InvalidIconError) throw new StageError(`builds[${index}].resources.icon: ${build.resources.icon}: ${err.message}`);
          throw new StageError(`cannot add resources to ${bin.path}: ${(err as Error).message}`);
        }
        await produceAtomic(bin.path, (temp) => writeFile(temp, out, { mode: 0o755 }));
      });
    }
  },
};

async function readIcon(ctx: ReleaseContext, build: BuildConfig, index: number): Promise<Uint8Array | undefined> {
  const path = ctx.project(build.resources.icon!);
  try {
    return await readFile(path);
  } catch (err) {
    if (ctx.runner.dryRun) return undefined;
    throw new StageError(`builds[${index}].resources.icon: cannot read ${path} (${(err as NodeJS.ErrnoException).code})`);
  }
}
