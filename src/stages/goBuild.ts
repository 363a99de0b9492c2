import { mkdir, rmdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { UsageError } from '../util/errors.js';
import type { BuildConfig } from '../config/schema.js';
import type { ReleaseContext } from '../context/context.js';
import { archiveName, binaryFile, binaryFolder } from '../artifacts/names.js';
import { FILE_NAME_MAX } from '../config/limits.js';
import { versionOrigin } from './versionOrigin.js';
import { archOf } from '../util/arch.js';
import { runBounded } from '../util/parallel.js';
import type { TargetStage } from '../context/stage.js';
import { renderFieldTemplate, TemplateError, type LdflagsField } from '../config/template.js';
import { goBuild as runGoBuild } from '../tools/go.js';
import { produceAtomic } from '../util/fs.js';
import { runTempDir } from '../util/runId.js';

export const DEFAULT_LDFLAGS = '-s -w -X main.version={{.Version}} -X main.commit={{.Commit}} -X main.date={{.Date}}';

/** The fields {{.X}} a build's ldflags may use. Date is the commit date: never "now". */
export function ldflagFields(ctx: ReleaseContext): Record<LdflagsField, string> {
  return {
    Version: ctx.release.version,
    Commit: ctx.release.commit,
    ShortCommit: ctx.release.shortCommit,
    Date: ctx.release.date.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    ProjectName: ctx.config.project.name,
  };
}

export function ldflagsFor(ctx: ReleaseContext, build: BuildConfig, index: number): string {
  const template = build.ldflags === undefined ? DEFAULT_LDFLAGS : [build.ldflags].flat().join(' ');
  let flags: string;
  try {
    flags = renderFieldTemplate(template, ldflagFields(ctx));
  } catch (err) {
    if (err instanceof TemplateError) throw new UsageError(`${ctx.configPath}: builds[${index}].ldflags: ${err.message}`);
    throw err;
  }
  return build.gui ? `${flags} -H windowsgui`.trim() : flags;
}

/**
 * Every release file is named <project.name>_<version>_…: the longest, a zip, must still fit in
 * a file name (255 characters, on Windows as on Linux), or writing it fails after the build.
 */
export function releaseNamesProblem(ctx: ReleaseContext): UsageError | undefined {
  const longest = archiveName(ctx, 'amd64');
  if (longest.length <= FILE_NAME_MAX) return undefined;
  return new UsageError(
    `${versionOrigin(ctx)}: the release files would be named like ${longest.slice(0, 40)}… (${longest.length} characters), and a file name holds ${FILE_NAME_MAX}; shorten the version or project.name (${ctx.positions.at(['project', 'name'])})`,
  );
}

/** Cross-compile every build that has this target; its exes are ready for the next stages at once. */
export const goBuild: TargetStage = {
  id: 'build',
  title: 'Build Go binaries',
  scope: 'target',
  startsRelease: true,
  consumes: [],
  produces: ['binary'],
  modifies: [],
  prepare(ctx) {
    const problem = releaseNamesProblem(ctx);
    if (problem) throw problem;
  },
  async run(ctx, target, signal) {
    const builds = ctx.config.builds.map((build, index) => ({ build, index })).filter(({ build }) => ctx.targetsOf(build).includes(target));
    // Side by side up to the run's CPU slots (shared with every other stage's CPU work).
    await runBounded(builds, builds.length, signal, async ({ build, index }, jobSignal) => {
      const goarch = archOf(target);
      const path = `${binaryFolder(build, goarch)}/${binaryFile(build)}`;
      const output = ctx.fileOf({ path });
      const spec = {
        cwd: ctx.projectDir,
        main: build.main,
        goarch,
        ldflags: ldflagsFor(ctx, build, index),
        tags: build.tags,
        flags: build.flags,
        env: build.env,
        buildvcs: build.buildvcs,
      };
      const subject = `${target} (build "${build.id}")`;
      await ctx.cpu.run(async () => {
        if (ctx.runner.dryRun) {
          await runGoBuild(ctx.runner, { ...spec, output }, subject, jobSignal);
        } else {
          await mkdir(dirname(output), { recursive: true });
          // go's work files in our own temp folder: a go killed mid-build leaves them to our sweep.
          const env = { GOTMPDIR: await runTempDir(), ...build.env };
          // go writes straight to -o; building to a temp name keeps a failed or cancelled build
          // from leaving a truncated exe under the final name (or an empty folder for it).
          await produceAtomic(output, (temp) => runGoBuild(ctx.runner, { ...spec, env, output: temp }, subject, jobSignal)).catch(async (err: unknown) => {
            await rmdir(dirname(output)).catch(() => undefined);
            throw err;
          });
        }
      }, jobSignal);
      await ctx.record({ kind: 'binary', name: binaryFile(build), path, goos: 'windows', goarch, build: build.id });
    });
  },
};
