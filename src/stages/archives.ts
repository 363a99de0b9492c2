import { StageError } from '../util/errors.js';
import { byArch, byKind } from '../artifacts/registry.js';
import { archiveName, archOf, type GoArch } from '../artifacts/names.js';
import { runBounded } from '../util/parallel.js';
import type { Stage } from '../context/stage.js';
import { produceAtomic } from '../util/fs.js';
import { writeDeterministicZip, type ZipEntry } from '../archive/zip.js';
import { collectProjectFiles } from '../context/projectFiles.js';

/** One zip per target: the binaries of every build for that arch, plus the extra files. */
export const archives: Stage = {
  id: 'archive',
  title: 'Create archives',
  needs: ['build'],
  skip: (ctx) => (ctx.config.archives.disabled ? 'archives.disabled is set' : false),
  async run(ctx) {
    const extra: ZipEntry[] = (await collectProjectFiles(ctx, ctx.config.archives.files, 'archives.files')).map((f) => ({ ...f, mode: 0o644 }));
    const arches = [...new Set(ctx.config.builds.flatMap((b) => ctx.targetsOf(b).map(archOf)))].sort();
    await runBounded(arches, ctx.options.concurrency, ctx.signal, async (arch: GoArch, signal) => {
      const binaries = ctx.artifacts.filter(byKind('binary'), byArch(arch));
      const entries: ZipEntry[] = binaries.map((b) => ({ name: b.name, sourcePath: b.path, mode: 0o755 }));
      const clash = entries.find((e, i) => entries.findIndex((f) => f.name === e.name) !== i) ?? entries.find((e) => extra.some((x) => x.name === e.name));
      if (clash) throw new StageError(`archive for windows/${arch}: two files would be stored as "${clash.name}"; give builds distinct binary names or exclude the file`);
      const all = [...entries, ...extra];
      const path = ctx.dist(archiveName(ctx, arch));
      if (ctx.runner.dryRun) {
        ctx.logger.info(`# write ${path} (${all.map((e) => e.name).sort().join(', ')})`);
      } else {
        await produceAtomic(path, (temp) => writeDeterministicZip(temp, all, ctx.release.date, signal));
      }
      ctx.artifacts.add({ kind: 'archive', name: archiveName(ctx, arch), path, goos: 'windows', goarch: arch, extra: { files: all.map((e) => e.name).sort() } });
    });
  },
};
