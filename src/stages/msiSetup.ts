import path from 'node:path';
import { binaryFile, binaryFolder } from '../artifacts/names.js';
import type { ReleaseContext } from '../context/context.js';
import { checkProjectInput, collectProjectFiles, type ProjectFile } from '../context/projectFiles.js';
import { plannedBinaryNames } from '../context/payload.js';
import { BACKENDS, chooseBackend, type BackendId, type MsiBackend } from '../msi/backends.js';
import { normaliseGuid, upgradeCodeFromName, upgradeCodeFromNameWarning } from '../msi/wix/guid.js';
import { pathKey } from '../msi/wix/ids.js';
import type { PayloadEntry } from '../msi/wix/payload.js';
import type { BuildWixSourcesOptions } from '../msi/wix/sources.js';
import { MsiVersionError, toMsiProductVersion } from '../msi/wix/version.js';
import { archOf, targetOf, windowsArchOf, type GoArch } from '../util/arch.js';
import { problemsOf, StageError, UsageError } from '../util/errors.js';
import { payloadError, uniqueProblems } from '../payload/problems.js';
import { SOURCE_RULE_TITLES } from '../payload/sources.js';
import { versionOrigin } from './versionOrigin.js';

// What every MSI of the run shares, found and checked when the run starts (the msi stage's
// preflight): the backend, the version mapping, the UpgradeCode, msi.files, the files the
// shortcut and the service start — and each package's WiX sources rendered with the files it
// will hold, so a template or a name the package cannot take is refused before anything builds.

export type MsiConfig = NonNullable<ReleaseContext['config']['msi']>;

export interface MsiSetup {
  cfg: MsiConfig;
  backend: MsiBackend;
  toolVersion?: string;
  arches: GoArch[];
  version: string;
  upgradeCode: string;
  extra: ProjectFile[];
  /** msi.codepage, or the one the names and texts need (chooseCodepage). */
  codepage: number;
}

/**
 * The MSI ProductVersion for this release, or a UsageError naming the version, where it comes
 * from, the limit and what to change. Snapshots are never published, so they are stripped.
 */
export function msiProductVersion(ctx: ReleaseContext, cfg: MsiConfig): string {
  try {
    const mapped = toMsiProductVersion(ctx.release.version, { prerelease: ctx.release.snapshot ? 'strip' : cfg.prerelease });
    for (const w of mapped.warnings) ctx.warn(`msi: ${w}`);
    return mapped.productVersion;
  } catch (err) {
    if (!(err instanceof MsiVersionError)) throw err;
    const prerelease = ctx.positions.at(['msi', 'prerelease']);
    const next =
      err.rule === 'range'
        ? 'Release a version within 255.255.65535, or leave the MSIs out of this release (msi.disabled: true, or --skip msi)'
        : err.rule === 'prerelease'
          ? `Set msi.prerelease (strip or patch-offset) to map pre-releases (${prerelease})`
          : `Choose another mapping in msi.prerelease (${prerelease})`;
    throw new UsageError(`${versionOrigin(ctx)}: cannot be the MSI ProductVersion: ${err.message} ${next}.`);
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
    // A configuration the backend cannot build: a usage error (exit 2), found before anything builds.
    throw new UsageError(`msi: backend ${backend.id}${version ? ` ${version}` : ''} cannot build this package:\n  - ${problems.join('\n  - ')}`);
  }
}

/** The binaries a package for `arch` holds: recorded ones when this run does not build, else the ones it will build. */
export function packageBinaries(ctx: ReleaseContext, arch: GoArch): { name: string; path: string; sha256?: string }[] {
  const recorded = ctx.artifacts.ofKind('binary').filter((b) => b.goarch === arch);
  if (recorded.length) return recorded;
  return ctx.config.builds
    .filter((b) => ctx.targetsOf(b).includes(targetOf(arch)))
    .map((b) => ({ name: binaryFile(b), path: `${binaryFolder(b, arch)}/${binaryFile(b)}` }));
}

/** What a package installs: its binaries at the top of the install folder, then msi.files. */
export function payloadOf(ctx: ReleaseContext, binaries: readonly { name: string; path: string }[], extra: readonly ProjectFile[]): PayloadEntry[] {
  return [
    ...binaries.map((b) => ({ relativePath: b.name, sourcePath: ctx.fileOf(b), kind: 'file' as const })),
    ...extra.map((f) => ({ relativePath: f.name, sourcePath: f.sourcePath, kind: 'file' as const })),
  ];
}

/** Everything buildWixSources is given for one package, from the setup and its payload. */
export function wixSourcesOptions(ctx: ReleaseContext, setup: MsiSetup, arch: GoArch, payload: PayloadEntry[]): BuildWixSourcesOptions {
  const { cfg } = setup;
  const icon = productIcon(ctx);
  return {
    productName: cfg.productName ?? ctx.config.project.name,
    manufacturer: cfg.manufacturer ?? ctx.config.project.vendor,
    version: setup.version,
    upgradeCode: setup.upgradeCode,
    arch: windowsArchOf(arch),
    scope: cfg.scope,
    installDirName: cfg.installDir,
    language: cfg.language,
    codepage: setup.codepage,
    ...(cfg.shortcut ? { shortcut: { target: cfg.shortcut.target, name: cfg.shortcut.name, description: cfg.shortcut.description, folderName: cfg.shortcut.folder } } : {}),
    addToPath: cfg.addToPath,
    ...(cfg.service ? { service: cfg.service } : {}),
    registry: cfg.registry,
    ...(cfg.license ? { license: ctx.project(cfg.license) } : {}),
    installDirUi: cfg.ui,
    ...(ctx.config.project.homepage ? { homepage: ctx.config.project.homepage } : {}),
    ...(icon ? { productIcon: relativeToWorkDir(ctx, arch, icon) } : {}),
    ...(cfg.template ? { template: ctx.project(cfg.template) } : {}),
    payload,
    fragment: { sourceRelativeTo: workDirOf(ctx, arch) },
    wixl: setup.backend.id === 'wixl',
    splitCabinets: setup.backend.id === 'native',
  };
}

/** The icon of the first build that has one: the product's icon in Add/Remove Programs. */
function productIcon(ctx: ReleaseContext): string | undefined {
  const icon = ctx.config.builds.find((b) => !b.resources.disabled && b.resources.icon)?.resources.icon;
  return icon === undefined ? undefined : ctx.project(icon);
}

/** A path as the sources name it: relative to their folder (wixl cannot open absolute paths). */
function relativeToWorkDir(ctx: ReleaseContext, arch: GoArch, file: string): string {
  return path.relative(workDirOf(ctx, arch), file).split(path.sep).join('/');
}

/** Where a package's sources are written for its backend (per arch). */
export function workDirOf(ctx: ReleaseContext, arch: GoArch): string {
  return ctx.work(`msi_${windowsArchOf(arch)}`);
}

/**
 * The shortcut's and the service's files must be files the package installs — in every
 * package: a build for amd64 only leaves its exe out of the x86 package. Checked with the
 * harvest's own key (case-insensitive, as Windows is).
 */
export function installedTargetProblems(ctx: ReleaseContext, cfg: MsiConfig, payloads: ReadonlyMap<GoArch, readonly PayloadEntry[]>): UsageError[] {
  const wanted: [string[], string | undefined, string][] = [
    [['msi', 'shortcut', 'target'], cfg.shortcut?.target, 'the file the Start-menu shortcut opens'],
    [['msi', 'service', 'binary'], cfg.service?.binary, 'the file that runs as the service'],
  ];
  const problems: UsageError[] = [];
  for (const [path, file, role] of wanted) {
    if (file === undefined) continue;
    let key: string;
    try {
      key = pathKey(file);
    } catch (err) {
      problems.push(new UsageError(`${ctx.positions.at(path)}: ${(err as Error).message}`));
      continue;
    }
    const missingFrom = [...payloads].filter(([, entries]) => !entries.some((e) => pathKey(e.relativePath) === key)).map(([arch]) => arch);
    if (missingFrom.length === 0) continue;
    const installs = [...new Set([...payloads.values()].flatMap((entries) => entries.map((e) => e.relativePath)))];
    const shown = installs.slice(0, 8).join(', ') + (installs.length > 8 ? `, … (${installs.length} files)` : '');
    const where = missingFrom.length === payloads.size ? 'the MSI installs' : `the ${missingFrom.map(windowsArchOf).join(' and ')} MSI installs`;
    problems.push(new UsageError(`${ctx.positions.at(path)}: "${file}", ${role}, is not a file ${where} (it installs: ${shown || 'nothing'}); name one of them, e.g. a build's .exe, or add the file to msi.files`));
  }
  return problems;
}

/**
 * Found and checked once per run, when it starts; every problem is kept, so one run reports
 * them all. The run's packages are built from the same setup.
 */
export function msiSetup(ctx: ReleaseContext): Promise<MsiSetup> {
  return ctx.once('msi-setup', async () => {
    const cfg = ctx.config.msi!;
    // Loaded while the backend's version and msi.files are read: the rendering below needs it,
    // and the build waits for this preflight.
    const wix = import('../msi/wix/sources.js');
    wix.catch(() => undefined);
    const problems: Error[] = [];
    const keep = <T>(make: () => T): T | undefined => {
      try {
        return make();
      } catch (err) {
        problems.push(err as Error);
        return undefined;
      }
    };
    const backend = BACKENDS[chooseBackend(cfg.backend)];
    let noBackend = false;
    const arches = msiArches(ctx, cfg);
    const [toolVersion, extra] = await Promise.all([
      backend.version(ctx.runner, ctx.projectDir).catch((err: Error) => {
        noBackend = true;
        problems.push(err);
        return undefined;
      }),
      checkedPayload(ctx, cfg, arches, backend.id).catch((err: Error) => void problems.push(err)),
    ]);
    if (toolVersion) ctx.toolVersions[backend.id] = toolVersion;
    if (!noBackend) keep(() => checkBackend(backend, toolVersion, cfg, arches));
    const version = keep(() => msiProductVersion(ctx, cfg));
    const upgradeCode = keep(() => resolveUpgradeCode(ctx, cfg));
    const payloads = new Map(arches.map((a) => [a, payloadOf(ctx, packageBinaries(ctx, a), extra?.files ?? [])] as const));
    if (extra) problems.push(...installedTargetProblems(ctx, cfg, payloads));
    if (problems.length || version === undefined || upgradeCode === undefined || !extra) throw problemsOf(problems);
    const setup: MsiSetup = { cfg, backend, ...(toolVersion ? { toolVersion } : {}), arches, version, upgradeCode, extra: extra.files, codepage: extra.codepage };
    await renderEveryPackage(payloads, (arch, payload) => wix.then((m) => m.buildWixSources(wixSourcesOptions(ctx, setup, arch, payload))));
    return setup;
  });
}

/**
 * Each package's WiX sources, rendered now with the files it will hold (their names are known
 * before they are built), and thrown away: a template that does not render, a name or text the
 * codepage cannot hold, a payload name Windows refuses, all before anything compiles.
 */
async function renderEveryPackage(payloads: ReadonlyMap<GoArch, PayloadEntry[]>, render: (arch: GoArch, payload: PayloadEntry[]) => Promise<unknown>): Promise<void> {
  const problems = await Promise.all(
    [...payloads].map(([arch, payload]) =>
      render(arch, payload).then(
        () => undefined,
        (err: unknown) => (err instanceof StageError ? new StageError(`msi (${windowsArchOf(arch)}): ${err.message}`, err.details) : (err as Error)),
      ),
    ),
  );
  // The same problem in every package is told once, for the MSIs.
  const byText = new Map<string, Error[]>();
  for (const p of problems) {
    if (!p) continue;
    const text = p.message.replace(/^msi \([a-z0-9]+\): /, '');
    byText.set(text, [...(byText.get(text) ?? []), p]);
  }
  const told = [...byText].map(([text, same]) => (same.length > 1 && same.length === payloads.size && same[0] instanceof StageError ? new StageError(`msi: ${text}`, same[0].details) : same[0]!));
  const found = problemsOf(told);
  if (found) throw found;
}

/**
 * msi.files, collected, and every file the packages install or embed checked, when the run
 * starts: what cannot be packed (links out of the project, FIFOs…), the license and template
 * (regular files inside the project), and the names of the whole payload (the binaries' names
 * from release.yaml, msi.files) against the shared payload rules and the package codepage.
 * Everything found is refused in one error.
 */
export async function checkedPayload(ctx: ReleaseContext, cfg: MsiConfig, arches: readonly GoArch[], backend: BackendId): Promise<{ files: ProjectFile[]; codepage: number }> {
  const wixl = backend === 'wixl';
  const native = backend === 'native';
  // The MSI name rules (codepage tables, WiX syntax) are loaded when an MSI is planned, not at start-up.
  const { findNameProblems, MSI_RULE_TITLES } = await import('../msi/wix/payload.js');
  const { files, problems } = await collectProjectFiles(ctx, cfg.files, 'msi.files', cfg.exclude);
  // wixl ignores the codepage and stores names as Windows-1252 (measured, 0.101).
  const codepage = cfg.codepage ?? (wixl ? 1252 : await packageCodepage(ctx, cfg, [...arches.flatMap((a) => plannedBinaryNames(ctx, a)), ...files.map((f) => f.name)]));
  const inputs = [
    ['msi.license', cfg.license],
    ['msi.template', cfg.template],
  ] as const;
  const checked = await Promise.all(inputs.map(async ([key, path]) => ({ key, problem: path === undefined ? undefined : await checkProjectInput(ctx, path, key) })));
  const refused = checked.filter((c) => c.problem !== undefined);
  const names = arches.flatMap((arch) =>
    findNameProblems(
      [...plannedBinaryNames(ctx, arch), ...files.map((f) => f.name)].map((relativePath) => ({ relativePath, sourcePath: '', kind: 'file' as const })),
      { codepage, wixl, splitCabinets: native },
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
  return { files, codepage };
}

/**
 * The codepage a package's names and texts fit in (src/msi/wix/codepage.ts chooseCodepage), or a
 * UsageError listing the names outside Windows-1252 when no one ANSI codepage holds them all.
 */
async function packageCodepage(ctx: ReleaseContext, cfg: MsiConfig, paths: readonly string[]): Promise<number> {
  const { chooseCodepage, unrepresentableChars } = await import('../msi/wix/codepage.js');
  const texts = [
    cfg.productName ?? ctx.config.project.name,
    cfg.manufacturer ?? ctx.config.project.vendor,
    cfg.installDir,
    cfg.shortcut?.name,
    cfg.shortcut?.description,
    cfg.shortcut?.folder,
    cfg.service?.displayName,
    cfg.service?.description,
    ...cfg.registry.flatMap((r) => [r.key, r.name, r.value]),
  ].filter((t): t is string => t !== undefined);
  const names = paths.flatMap((p) => p.split('/')).map((n) => n.normalize('NFC'));
  const chosen = chooseCodepage([...texts, ...names], cfg.language);
  if (chosen !== undefined) return chosen;
  const outside = [...new Set([...texts, ...paths])].filter((t) => unrepresentableChars(t.normalize('NFC'), 1252).length > 0);
  throw new UsageError(
    `msi: no one Windows codepage holds every name and text of the package (an MSI stores its strings in one ANSI codepage; UTF-8 is not supported by Windows Installer). These are outside Windows-1252:\n${outside.map((t) => `  - ${t}`).join('\n')}\nKeep one package's names to one script (Latin, Greek, Cyrillic, Japanese…), or set msi.codepage and rename what does not fit.`,
  );
}
