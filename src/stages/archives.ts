import { writeDeterministicZip, type ZipEntry } from '../archive/zip.js';
import { archiveName } from '../artifacts/names.js';
import { byArch, packedFile } from '../artifacts/registry.js';
import type { ReleaseContext } from '../context/context.js';
import { collectProjectFiles } from '../context/projectFiles.js';
import { preload } from '../context/preload.js';
import type { TargetStage } from '../context/stage.js';
import { archOf } from '../util/arch.js';
import { StageError } from '../util/errors.js';
import { produceAtomic } from '../util/fs.js';

/** archives.files, collected once per run (when it starts: a required file that is missing stops it early). */
function extraFiles(ctx: ReleaseContext): Promise<ZipEntry[]> {
  return ctx.once('archive-files', async () =>
    (await collectProjectFiles(ctx, ctx.config.archives.files, 'archives.files')).map((f) => ({ ...f, mode: 0o644 })),
  );
}

/** One zip per target: the binaries of every build for that arch, plus the extra files. */
export const archives: TargetStage = {
  id: 'archive',
  title: 'Create archives',
  scope: 'target',
  readsProject: true,
  consumes: ['binary'],
  produces: ['archive'],
  modifies: [],
  skip: (ctx) => (ctx.config.archives.disabled ? 'archives.disabled is set' : false),
  prepare: async (ctx) => void (await extraFiles(ctx)),
  preload: () => preload(import('archiver')),
  // A zip is only needed by the checksums: it is written while the MSIs are being signed.
  after: ['msi'],
  async run(ctx, target, signal) {
    const arch = archOf(target);
    const extra = await extraFiles(ctx);
    const binaries = ctx.artifacts.ofKind('binary', byArch(arch));
    if (binaries.length === 0) return;
    const entries: ZipEntry[] = binaries.map((b) => ({ name: b.name, sourcePath: ctx.fileOf(b), mode: 0o755 }));
    const clash = entries.find((e, i) => entries.findIndex((f) => f.name === e.name) !== i) ?? entries.find((e) => extra.some((x) => x.name === e.name));
    if (clash) throw new StageError(`archive for ${target}: two files would be stored as "${clash.name}"; give builds distinct binary names or exclude the file`);
    const all = [...entries, ...extra];
    const name = archiveName(ctx, arch);
    const path = ctx.fileOf({ path: name });
    if (ctx.runner.dryRun) {
      ctx.logger.info(`# write ${path} (${all.map((e) => e.name).sort().join(', ')})`);
    } else {
      await ctx.cpu.run(() => produceAtomic(path, (temp) => writeDeterministicZip(temp, all, ctx.release.date, signal)), signal);
    }
    await ctx.record({
      kind: 'archive',
      name,
      path: name,
      goos: 'windows',
      goarch: arch,
      format: 'zip',
      entries: all.map((e) => e.name).sort(),
      packs: binaries.map(packedFile),
    });
  },
};
