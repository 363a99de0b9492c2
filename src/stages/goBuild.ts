import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { UsageError } from '../util/errors.js';
import type { BuildConfig, Target } from '../config/schema.js';
import type { ReleaseContext } from '../context/context.js';
import { archOf, binaryFile, binaryFolder } from '../artifacts/names.js';
import { runBounded } from '../util/parallel.js';
import type { Stage } from '../context/stage.js';
import { renderFieldTemplate, TemplateError, type LdflagsField } from '../config/template.js';
import { goBuild as runGoBuild } from '../tools/go.js';
import { produceAtomic } from '../util/fs.js';

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

interface BuildJob {
  build: BuildConfig;
  index: number;
  target: Target;
}

/** Cross-compile every build for every target, in parallel up to --concurrency. */
export const goBuild: Stage = {
  id: 'build',
  title: 'Build Go binaries',
  async run(ctx) {
    const jobs: BuildJob[] = ctx.config.builds.flatMap((build, index) =>
      ctx.targetsOf(build).map((target) => ({ build, index, target })),
    );
    await runBounded(jobs, ctx.options.concurrency, ctx.signal, async ({ build, index, target }, signal) => {
      const goarch = archOf(target);
      const output = ctx.dist(binaryFolder(build, goarch), binaryFile(build));
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
      if (ctx.runner.dryRun) {
        await runGoBuild(ctx.runner, { ...spec, output }, subject, signal);
      } else {
        await mkdir(dirname(output), { recursive: true });
        // go writes straight to -o; building to a temp name keeps a failed or cancelled build
        // from leaving a truncated exe under the final name.
        await produceAtomic(output, (temp) => runGoBuild(ctx.runner, { ...spec, output: temp }, subject, signal));
      }
      ctx.artifacts.add({ kind: 'binary', name: binaryFile(build), path: output, goos: 'windows', goarch, buildId: build.id });
    });
  },
};
