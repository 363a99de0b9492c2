import { writeDeterministicZip, type ZipEntry } from '../archive/zip.js';
import { archiveName } from '../artifacts/names.js';
import { byArch, packedFile } from '../artifacts/registry.js';
import type { ReleaseContext } from '../context/context.js';
import { plannedBinaryNames, runArches } from '../context/payload.js';
import { collectProjectFiles } from '../context/projectFiles.js';
import { preload } from '../context/preload.js';
import type { TargetStage } from '../context/stage.js';
import { checkInstallPaths, PATH_RULE_TITLES } from '../payload/names.js';
import { payloadError, uniqueProblems, type PayloadProblem } from '../payload/problems.js';
import { SOURCE_RULE_TITLES } from '../payload/sources.js';
import { archOf } from '../util/arch.js';
import { produceAtomic } from '../util/fs.js';

const ARCHIVE_RULES = [...SOURCE_RULE_TITLES, ...PATH_RULE_TITLES];
const ADVICE =
  'Nothing was packed. Rename, move or remove these files, or narrow the globs of archives.files; copy files from outside the project into it.';

/** The names a zip holds, checked against the payload rules every package format shares. */
function nameProblems(names: readonly string[]): PayloadProblem[] {
  return checkInstallPaths(names.map((path) => ({ path, kind: 'file' }))).problems;
}

/**
 * archives.files, collected and checked once per run, when it starts: every file that cannot be
 * packed (a link out of the project, a FIFO…) and every name a zip must not hold (with the
 * binaries' names from release.yaml) is refused in one error before anything is compiled.
 */
function extraFiles(ctx: ReleaseContext): Promise<ZipEntry[]> {
  return ctx.once('archive-files', async () => {
    const { files, problems } = await collectProjectFiles(ctx, ctx.config.archives.files, 'archives.files');
    const names = files.map((f) => f.name);
    const all = uniqueProblems([...problems, ...runArches(ctx).flatMap((arch) => nameProblems([...plannedBinaryNames(ctx, arch), ...names]))]);
    if (all.length > 0) {
      throw payloadError('archives.files', `the files the zips would hold (the binaries and archives.files, from ${ctx.projectDir})`, all, ARCHIVE_RULES, ADVICE);
    }
    return files.map((f) => ({ ...f, mode: 0o644 }));
  });
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
  // A zip is only needed by the checksums: it is written while the packages are being signed.
  after: ['msi', 'msix'],
  async run(ctx, target, signal) {
    const arch = archOf(target);
    const extra = await extraFiles(ctx);
    const binaries = ctx.artifacts.ofKind('binary', byArch(arch));
    if (binaries.length === 0) return;
    const entries: ZipEntry[] = binaries.map((b) => ({ name: b.name, sourcePath: ctx.fileOf(b), mode: 0o755 }));
    const all = [...entries, ...extra];
    // Checked again with the binaries this run really packs (a continued run takes them from
    // the release state): two files under one name, a binary named like a device…
    const problems = nameProblems(all.map((e) => e.name));
    if (problems.length > 0) {
      throw payloadError(`archive for ${target}`, 'the files the zip would hold', problems, ARCHIVE_RULES, 'Give builds distinct binary names, or leave the files out of archives.files.');
    }
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
