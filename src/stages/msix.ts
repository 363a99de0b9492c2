import { readFile, writeFile } from 'node:fs/promises';
import { msixName } from '../artifacts/names.js';
import { byArch, packedFile } from '../artifacts/registry.js';
import type { ReleaseContext } from '../context/context.js';
import { preload } from '../context/preload.js';
import type { TargetStage } from '../context/stage.js';
import { checkInstallPaths, PATH_RULE_TITLES } from '../payload/names.js';
import { payloadError } from '../payload/problems.js';
import { archOf, windowsArchOf, type GoArch } from '../util/arch.js';
import { StageError } from '../util/errors.js';
import { produceAtomic } from '../util/fs.js';
import { manifestModel, msixArches, msixSetup, type MsixSetup } from './msixSetup.js';

/**
 * MSIX packages, one per target: the (signed) binaries, msix.files and the logos, with an
 * AppxManifest.xml for a full-trust desktop app, the block map and the content types, written
 * by winship itself (src/msix/), byte for byte the same for the same inputs. Signed by
 * sign-packages like the MSIs.
 */
export const msix: TargetStage = {
  id: 'msix',
  title: 'Build MSIX packages',
  scope: 'target',
  readsProject: true,
  consumes: ['binary'],
  produces: ['msix'],
  modifies: [],
  skip: (ctx) => (!ctx.config.msix ? 'no msix: section in release.yaml' : ctx.config.msix.disabled ? 'msix.disabled is set' : false),
  worksOn: (ctx, target) => msixArches(ctx, ctx.config.msix!).includes(archOf(target)),
  // The identity (the certificate's subject), the application, the logos and every payload
  // name are checked before anything compiles (msixSetup.ts).
  prepare: async (ctx) => void (await msixSetup(ctx)),
  preload: () => preload(import('../msix/package.js')),
  async run(ctx, target, signal) {
    const setup = await msixSetup(ctx);
    const arch = archOf(target);
    if (setup.arches.includes(arch)) await buildPackage(ctx, setup, arch, signal);
  },
};

async function buildPackage(ctx: ReleaseContext, setup: MsixSetup, arch: GoArch, signal: AbortSignal): Promise<void> {
  const binaries = ctx.artifacts.ofKind('binary', byArch(arch));
  const label = `msix (${windowsArchOf(arch)})`;
  if (!binaries.some((b) => b.name === setup.application.binary)) {
    throw new StageError(`${label}: the application ${setup.application.binary} was not built for ${arch} (built: ${binaries.map((b) => b.name).join(', ') || 'nothing'})`);
  }
  const files = [
    ...binaries.map((b) => ({ path: b.name, source: ctx.fileOf(b) })),
    ...setup.extra.map((f) => ({ path: f.name, source: f.sourcePath })),
  ];
  // Checked again with the binaries this run packs (a continued run takes them from the state).
  const logoPaths = Object.values(setup.logos).map((l) => l.path);
  const problems = checkInstallPaths([...files.map((f) => f.path), ...logoPaths].map((path) => ({ path, kind: 'file' as const }))).problems;
  if (problems.length) throw payloadError(label, 'the files the package would hold', problems, PATH_RULE_TITLES, 'Give builds distinct binary names, or leave the files out of msix.files.');
  const identity = { name: setup.name, version: setup.version };
  const name = msixName(identity, arch);
  const output = ctx.fileOf({ path: name });
  if (ctx.runner.dryRun) {
    ctx.logger.info(`# write ${output} (AppxManifest.xml, AppxBlockMap.xml, [Content_Types].xml and ${files.length + logoPaths.length} files)`);
  } else {
    const { buildMsix } = await import('../msix/package.js');
    const { renderManifest } = await import('../msix/manifest.js');
    // Deflating the payload is CPU work: it takes a slot, like go build and wixl.
    await ctx.cpu.run(async () => {
      const payload = [
        ...(await Promise.all(files.map(async (f) => ({ path: f.path, data: new Uint8Array(await readFile(f.source, { signal })) })))),
        ...Object.values(setup.logos).map((l) => ({ path: l.path, data: l.data })),
      ];
      const built = buildMsix({ payload, manifest: renderManifest(manifestModel(setup, arch)), date: ctx.release.date });
      await produceAtomic(output, (temp) => writeFile(temp, built.chunks, { signal }));
    }, signal);
  }
  await ctx.record({
    kind: 'msix',
    name,
    path: name,
    goos: 'windows',
    goarch: arch,
    msix: { name: setup.name, publisher: setup.publisher, version: setup.version, arch: windowsArchOf(arch), files: files.length + logoPaths.length + 1 },
    packs: binaries.map(packedFile),
  });
}
