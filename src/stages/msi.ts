import { mkdir, rm, rmdir, writeFile } from 'node:fs/promises';
import { byArch, packedFile } from '../artifacts/registry.js';
import type { ReleaseContext } from '../context/context.js';
import { StageError, UsageError } from '../util/errors.js';
import { BACKENDS, chooseBackend, type MsiBackend } from '../msi/backends.js';
import { msiName } from '../artifacts/names.js';
import { archOf, windowsArchOf, type GoArch } from '../util/arch.js';
import { checkProjectInput, collectProjectFiles, type ProjectFile } from '../context/projectFiles.js';
import { plannedBinaryNames } from '../context/payload.js';
import { preload } from '../context/preload.js';
import type { TargetStage } from '../context/stage.js';
import { onPath } from '../tools/path.js';
import { forgetTemp, produceAtomic, sha256, sha256File, trackTemp } from '../util/fs.js';
import { normaliseGuid, upgradeCodeFromName, upgradeCodeFromNameWarning, uuidV5 } from '../msi/wix/guid.js';
import type { PayloadEntry } from '../msi/wix/payload.js';
import { payloadError, uniqueProblems } from '../payload/problems.js';
import { SOURCE_RULE_TITLES } from '../payload/sources.js';
import { toMsiProductVersion } from '../msi/wix/version.js';

type MsiConfig = NonNullable<ReleaseContext['config']['msi']>;

/** The MSI ProductVersion for this release. Snapshots are never published, so they are stripped. */
export function msiProductVersion(ctx: ReleaseContext, cfg: MsiConfig): string {
  try {
    const mapped = toMsiProductVersion(ctx.release.version, { prerelease: ctx.release.snapshot ? 'strip' : cfg.prerelease });
    for (const w of mapped.warnings) ctx.warn(`msi: ${w}`);
    return mapped.productVersion;
  } catch (err) {
    throw new UsageError(`msi: ${(err as Error).message} Set msi.prerelease (strip or patch-offset) to map pre-releases.`);
  }
}

export function resolveUpgradeCode(ctx: ReleaseContext, cfg: MsiConfig): string {
  if (cfg.upgradeCode) return normaliseGuid(cfg.upgradeCode, 'msi.upgradeCode');
  if (!ctx.release.snapshot) {
    throw new UsageError(
      'msi.upgradeCode is missing: every version of a product must share one UpgradeCode, or upgrades install side by side. Run "release init" to generate one and write it into release.yaml (then never change it).',
    );
  }
  const code = upgradeCodeFromName(ctx.config.project.name);
  ctx.warn(`msi: ${upgradeCodeFromNameWarning(ctx.config.project.name, code)}`);
  return code;
}

export function msiArches(ctx: ReleaseContext, cfg: MsiConfig): GoArch[] {
  const built = new Set(ctx.config.builds.flatMap((b) => ctx.targetsOf(b)));
  return [...new Set((cfg.targets ?? [...built]).filter((t) => built.has(t)).map(archOf))].sort();
}

/** Refuse a package the backend cannot build before any tool runs (wixl would abort with SIGTRAP). */
function checkBackend(backend: MsiBackend, version: string | undefined, cfg: MsiConfig, arches: GoArch[]): void {
  const problems = [
    ...new Set(
      arches.flatMap((a) =>
        backend.unsupported(
          { arch: windowsArchOf(a), addToPath: cfg.addToPath, license: cfg.license !== undefined, ui: cfg.ui, expandableRegistry: cfg.registry.some((r) => r.type === 'expandable') },
          version,
        ),
      ),
    ),
  ];
  if (problems.length) {
    throw new StageError(`msi: backend ${backend.id}${version ? ` ${version}` : ''} cannot build this package:\n  - ${problems.join('\n  - ')}`);
  }
}

/** What every package of the run shares: found and checked once, when the run starts. */
interface MsiSetup {
  cfg: MsiConfig;
  backend: MsiBackend;
  toolVersion?: string;
  arches: GoArch[];
  version: string;
  upgradeCode: string;
  extra: ProjectFile[];
}

function msiSetup(ctx: ReleaseContext): Promise<MsiSetup> {
  return ctx.once('msi-setup', async () => {
    const cfg = ctx.config.msi!;
    const backend = BACKENDS[chooseBackend(cfg.backend, process.platform, (c) => onPath(c))];
    const arches = msiArches(ctx, cfg);
    const extra = await checkedPayload(ctx, cfg, arches, backend.id === 'wixl');
    const toolVersion = await backend.version(ctx.runner, ctx.projectDir);
    if (toolVersion) ctx.toolVersions[backend.id] = toolVersion;
    checkBackend(backend, toolVersion, cfg, arches);
    const version = msiProductVersion(ctx, cfg);
    const upgradeCode = resolveUpgradeCode(ctx, cfg);
    return { cfg, backend, toolVersion, arches, version, upgradeCode, extra };
  });
}

/**
 * msi.files, collected, and every file the packages install or embed checked, when the run
 * starts: what cannot be packed (links out of the project, FIFOs…), the license and template
 * (regular files inside the project), and the names of the whole payload (the binaries' names
 * from release.yaml, msi.files) against the shared payload rules and the package codepage.
 * Everything found is refused in one error.
 */
async function checkedPayload(ctx: ReleaseContext, cfg: MsiConfig, arches: readonly GoArch[], wixl: boolean): Promise<ProjectFile[]> {
  // The MSI name rules (codepage tables, WiX syntax) are loaded when an MSI is planned, not at start-up.
  const { findNameProblems, MSI_RULE_TITLES } = await import('../msi/wix/payload.js');
  const { files, problems } = await collectProjectFiles(ctx, cfg.files, 'msi.files', cfg.exclude);
  const inputs = [
    ['msi.license', cfg.license],
    ['msi.template', cfg.template],
  ] as const;
  const checked = await Promise.all(inputs.map(async ([key, path]) => ({ key, problem: path === undefined ? undefined : await checkProjectInput(ctx, path, key) })));
  const refused = checked.filter((c) => c.problem !== undefined);
  const names = arches.flatMap((arch) =>
    findNameProblems(
      [...plannedBinaryNames(ctx, arch), ...files.map((f) => f.name)].map((relativePath) => ({ relativePath, sourcePath: '', kind: 'file' as const })),
      { codepage: cfg.codepage, wixl },
    ),
  );
  const all = uniqueProblems([...problems, ...refused.map((c) => c.problem!), ...names]);
  if (all.length > 0) {
    // The keys at fault in the heading; a license or template line names its key itself.
    const keys = [...(problems.length + names.length > 0 ? ['msi.files'] : []), ...refused.map((c) => c.key)];
    throw payloadError(
      keys.join(', '),
      `the files the MSI packages would install or embed (the binaries and msi.files, from ${ctx.projectDir})`,
      all,
      [...SOURCE_RULE_TITLES, ...MSI_RULE_TITLES],
      'Nothing was built. Rename, move or remove these files, or leave them out (msi.exclude); copy files from outside the project into it.',
    );
  }
  return files;
}

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
  preload: () => preload(import('../msi/wix/sources.js'), import('../msi/pinTimestamps.js')),
  // The backend, the version mapping and the payload globs are checked before anything compiles.
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
  const payload: PayloadEntry[] = [
    ...binaries.map((b) => ({ relativePath: b.name, sourcePath: ctx.fileOf(b), kind: 'file' as const })),
    ...job.extra.map((f) => ({ relativePath: f.name, sourcePath: f.sourcePath, kind: 'file' as const })),
  ];
  const productName = cfg.productName ?? ctx.config.project.name;
  const manufacturer = cfg.manufacturer ?? ctx.config.project.vendor;
  if (!manufacturer) throw new UsageError('msi: set project.vendor or msi.manufacturer: an MSI must name its manufacturer');
  const workDir = ctx.work(`msi_${wixArch}`);
  // The WiX generation (and fast-xml-parser) is loaded when a package is made, not at start-up.
  const { buildWixSources } = await import('../msi/wix/sources.js');
  const sources = await buildWixSources({
    productName,
    manufacturer,
    version: job.version,
    upgradeCode: job.upgradeCode,
    arch: wixArch,
    scope: cfg.scope,
    installDirName: cfg.installDir,
    language: cfg.language,
    codepage: cfg.codepage,
    ...(cfg.shortcut ? { shortcut: { target: cfg.shortcut.target, name: cfg.shortcut.name, description: cfg.shortcut.description, folderName: cfg.shortcut.folder } } : {}),
    addToPath: cfg.addToPath,
    ...(cfg.service ? { service: cfg.service } : {}),
    registry: cfg.registry,
    ...(cfg.license ? { license: ctx.project(cfg.license) } : {}),
    installDirUi: cfg.ui,
    ...(cfg.template ? { template: ctx.project(cfg.template) } : {}),
    payload,
    fragment: { sourceRelativeTo: workDir },
    wixl: backend.id === 'wixl',
  }).catch((err: unknown) => {
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
          await pinTimes(ctx, out, payload.length, wixArch);
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
