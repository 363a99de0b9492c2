import { parse } from 'yaml';
import type { ArtifactOf } from '../artifacts/kinds.js';
import { archiveName, msiName } from '../artifacts/names.js';
import { packedFile } from '../artifacts/registry.js';
import type { WingetInstaller, WingetManifestType, WingetModel } from '../channels/winget.js';
import type { KeyPath } from '../config/positions.js';
import type { ReleaseContext } from '../context/context.js';
import type { ReleaseStage } from '../context/stage.js';
import { archOf, windowsArchOf, type GoArch } from '../util/arch.js';
import { problemsOf, UsageError } from '../util/errors.js';
import { writeFileAtomic } from '../util/fs.js';
import { TOOL_VERSION } from '../util/toolVersion.js';
import { baseUrlOrigin, channelBaseTemplate, channelBaseUrl, downloadUrl, schemaErrors, vendoredValidator } from './channelsSetup.js';
import { versionOrigin } from './versionOrigin.js';
import { versionTexts } from './versionResources.js';

// winget manifests for the release: the three files of winget's multi-file manifest, naming the
// signed MSIs (or the zips) where they are served, with their SHA-256 and ProductCode. Checked
// against winget's published schemas when the run starts (with the values release.yaml gives
// and stand-ins for the digests) and again, with the real files, before they are written.

type WingetConfig = NonNullable<ReleaseContext['config']['winget']>;

/** Whether winget installs the MSIs or the zips of this release, or why neither can be. */
function installerKind(ctx: ReleaseContext, cfg: WingetConfig): 'msi' | 'zip' | UsageError {
  const msis = ctx.config.msi && !ctx.config.msi.disabled && msiArches(ctx).length > 0;
  const zips = !ctx.config.archives.disabled;
  if (cfg.installer === 'msi' && !msis) return new UsageError(`${ctx.positions.at(['winget', 'installer'])}: msi, but the release builds no MSI packages${ctx.config.msi ? ' (msi.disabled, or no msi.targets in this run)' : ' (no msi: section)'}`);
  if (cfg.installer === 'zip' && !zips) return new UsageError(`${ctx.positions.at(['winget', 'installer'])}: zip, but archives.disabled is set`);
  if (cfg.installer !== 'auto') return cfg.installer;
  if (msis) return 'msi';
  if (zips) return 'zip';
  return new UsageError(`${ctx.positions.at(['winget'])}: winget installs an MSI or a zip, and this release makes neither (no msi: section, archives.disabled)`);
}

function msiArches(ctx: ReleaseContext): GoArch[] {
  const targets = ctx.config.msi?.targets ?? [...new Set(ctx.config.builds.flatMap((b) => b.targets))];
  return targets.filter((t) => ctx.targets.includes(t)).map(archOf);
}

function zipArches(ctx: ReleaseContext): GoArch[] {
  return [...new Set(ctx.config.builds.flatMap((b) => ctx.targetsOf(b)).map(archOf))];
}

/** The package identifier: winget.packageIdentifier, else one made of the publisher and the package name. */
async function packageIdentifier(ctx: ReleaseContext, cfg: WingetConfig): Promise<string> {
  if (cfg.packageIdentifier !== undefined) return cfg.packageIdentifier;
  const { defaultPackageIdentifier } = await import('../channels/winget.js');
  return defaultPackageIdentifier(publisherOf(ctx, cfg), ctx.config.project.name);
}

function publisherOf(ctx: ReleaseContext, cfg: WingetConfig): string {
  return cfg.publisher ?? ctx.config.msi?.manufacturer ?? ctx.config.project.vendor;
}

/** The model of the manifests, for these installers. */
async function wingetModel(ctx: ReleaseContext, cfg: WingetConfig, kind: 'msi' | 'zip', installers: WingetInstaller[]): Promise<WingetModel> {
  const { project } = ctx.config;
  const msi = ctx.config.msi;
  const productName = msi?.productName ?? project.name;
  const publisher = publisherOf(ctx, cfg);
  return {
    packageIdentifier: await packageIdentifier(ctx, cfg),
    packageVersion: ctx.release.version,
    publisher,
    ...(project.homepage ? { publisherUrl: project.homepage, packageUrl: project.homepage } : {}),
    packageName: cfg.packageName ?? productName,
    license: cfg.license ?? project.license ?? '',
    ...(cfg.licenseUrl ? { licenseUrl: cfg.licenseUrl } : {}),
    copyright: versionTexts(ctx, ctx.config.builds[0]!).legalCopyright,
    shortDescription: cfg.shortDescription ?? project.description,
    ...(cfg.moniker ? { moniker: cfg.moniker } : {}),
    tags: cfg.tags,
    ...(cfg.releaseNotesUrl ? { releaseNotesUrl: cfg.releaseNotesUrl } : {}),
    installerType: kind,
    ...(kind === 'msi' ? { scope: msi?.scope === 'perUser' ? ('user' as const) : ('machine' as const), arp: { displayName: productName, publisher: msi?.manufacturer ?? project.vendor, displayVersion: ctx.release.version } } : {}),
    releaseDate: ctx.release.date.toISOString().slice(0, 10),
    installers,
    generator: `winship ${TOOL_VERSION}`,
  };
}

/** The programs a zip holds, each on PATH under its name. */
function zipCommands(ctx: ReleaseContext, arch: GoArch): { path: string; alias: string }[] {
  const builds = ctx.config.builds.filter((b) => b.targets.includes(`windows/${arch}` as never));
  return [...new Map(builds.map((b) => [b.binary, { path: `${b.binary}.exe`, alias: b.binary }])).values()];
}

/** Where in release.yaml (or the command line) a field of the manifests comes from. */
function keyOf(ctx: ReleaseContext, cfg: WingetConfig): (field: string) => KeyPath | string | undefined {
  const own = (key: keyof WingetConfig, ...fallback: KeyPath[]): KeyPath => (cfg[key] !== undefined ? ['winget', key] : fallback.find((k) => k.length > 0) ?? ['winget']);
  return (field) => {
    switch (field) {
      case 'PackageIdentifier':
        return own('packageIdentifier', ['project', 'vendor']);
      case 'PackageVersion':
        return versionOrigin(ctx);
      case 'Publisher':
        return own('publisher', ctx.config.msi?.manufacturer !== undefined ? ['msi', 'manufacturer'] : ['project', 'vendor']);
      case 'PackageName':
      case 'DisplayName':
        return own('packageName', ctx.config.msi?.productName !== undefined ? ['msi', 'productName'] : ['project', 'name']);
      case 'License':
        return own('license', ['project', 'license']);
      case 'ShortDescription':
        return own('shortDescription', ['project', 'description']);
      case 'PublisherUrl':
      case 'PackageUrl':
        return ['project', 'homepage'];
      case 'Copyright':
        return ['project', 'copyright'];
      case 'InstallerUrl':
        return baseUrlOrigin(ctx, 'winget');
      case 'Moniker':
      case 'Tags':
      case 'LicenseUrl':
      case 'ReleaseNotesUrl':
        return ['winget', field[0]!.toLowerCase() + field.slice(1)];
      default:
        return undefined;
    }
  };
}

/** Every problem the schemas find in the three documents of `model`. */
async function checkModel(ctx: ReleaseContext, cfg: WingetConfig, model: WingetModel, docs: Record<WingetManifestType, unknown>): Promise<void> {
  const { WINGET_MANIFEST_TYPES } = await import('../channels/winget.js');
  const { wingetSchemaFile } = await import('../channels/schemas.js');
  const errors: UsageError[] = [];
  // A missing licence is the usual problem: said once, plainly, instead of "minLength" of an empty string.
  if (!model.license) errors.push(new UsageError(`${ctx.positions.at(['project', 'license'])}: winget requires a licence: set project.license (an SPDX identifier such as MIT or Apache-2.0) or winget.license`));
  if (!model.packageIdentifier) errors.push(new UsageError(`${ctx.positions.at(['winget'])}: no package identifier can be made from the publisher "${publisherOf(ctx, cfg)}": set winget.packageIdentifier (Publisher.Package, e.g. Acme.Hello)`));
  for (const type of WINGET_MANIFEST_TYPES) {
    const validate = await vendoredValidator(ctx, wingetSchemaFile(type));
    const problems = validate(docs[type]).filter((p) => !(p.pointer.endsWith('/License') && !model.license) && !(p.pointer.endsWith('/PackageIdentifier') && !model.packageIdentifier));
    errors.push(...(await schemaErrors(ctx, `winget ${type} manifest`, problems, keyOf(ctx, cfg))));
  }
  const found = problemsOf([...new Map(errors.map((e) => [e.message, e])).values()]);
  if (found) throw found;
}

/** When the run starts: the manifests this release will have, with stand-in digests, against the schemas. */
async function prepareWinget(ctx: ReleaseContext): Promise<void> {
  const cfg = ctx.config.winget!;
  const kind = installerKind(ctx, cfg);
  if (kind instanceof UsageError) throw kind;
  const base = await channelBaseUrl(ctx, 'winget');
  const planned = (kind === 'msi' ? msiArches(ctx) : zipArches(ctx)).map((arch): WingetInstaller => ({
    architecture: windowsArchOf(arch),
    url: downloadUrl(base, kind === 'msi' ? msiName(ctx, arch) : archiveName(ctx, arch)),
    sha256: '0'.repeat(64),
    ...(kind === 'msi' ? { productCode: '00000000-0000-0000-0000-000000000000', upgradeCode: ctx.config.msi?.upgradeCode ?? '00000000-0000-0000-0000-000000000000' } : { commands: zipCommands(ctx, arch) }),
  }));
  const model = await wingetModel(ctx, cfg, kind, planned);
  const { wingetDocuments } = await import('../channels/winget.js');
  await checkModel(ctx, cfg, model, wingetDocuments(model));
  if (ctx.release.snapshot) ctx.warn(`winget: manifests for snapshot ${ctx.release.version}: publish manifests of tagged releases only`);
}

/** The installers of the recorded files: one per MSI (or zip), by architecture. */
function installersOf(ctx: ReleaseContext, kind: 'msi' | 'zip', base: string): { installers: WingetInstaller[]; files: ArtifactOf<'msi' | 'archive'>[] } {
  if (kind === 'msi') {
    const files = ctx.artifacts.ofKind('msi');
    return {
      files,
      installers: files.map((f) => ({ architecture: f.msi.arch, url: downloadUrl(base, f.name), sha256: f.sha256, productCode: f.msi.productCode, upgradeCode: f.msi.upgradeCode })),
    };
  }
  const files = ctx.artifacts.ofKind('archive');
  return { files, installers: files.map((f) => ({ architecture: windowsArchOf(f.goarch), url: downloadUrl(base, f.name), sha256: f.sha256, commands: zipCommands(ctx, f.goarch) })) };
}

export const winget: ReleaseStage = {
  id: 'winget',
  title: 'Write winget manifests',
  scope: 'release',
  consumes: ['msi', 'archive'],
  produces: ['winget'],
  modifies: [],
  skip: (ctx) =>
    !ctx.config.winget
      ? 'no winget: section in release.yaml'
      : ctx.config.winget.disabled
        ? 'winget.disabled is set'
        : channelBaseTemplate(ctx, 'winget') === undefined
          ? 'no winget.baseUrl in release.yaml (or release channels --base-url)'
          : false,
  prepare: prepareWinget,
  async run(ctx) {
    const cfg = ctx.config.winget!;
    const kind = installerKind(ctx, cfg);
    if (kind instanceof UsageError) throw kind;
    const base = await channelBaseUrl(ctx, 'winget');
    const { installers, files } = installersOf(ctx, kind, base);
    if (installers.length === 0) throw new UsageError(`winget: the release in ${ctx.distDir} holds no ${kind === 'msi' ? 'MSI packages' : 'zips'} to point at; build them first`);
    const model = await wingetModel(ctx, cfg, kind, installers);
    const { wingetDocuments, renderWingetManifest, wingetFileName, wingetFolder, WINGET_MANIFEST_TYPES, WINGET_MANIFEST_VERSION } = await import('../channels/winget.js');
    const docs = wingetDocuments(model);
    await checkModel(ctx, cfg, model, docs);
    const folder = `winget/${wingetFolder(model.packageIdentifier, model.packageVersion)}`;
    for (const type of WINGET_MANIFEST_TYPES) {
      const text = renderWingetManifest(type, docs[type], model.generator);
      // What winget reads is the YAML: it must say exactly what was checked.
      if (JSON.stringify(parse(text)) !== JSON.stringify(docs[type])) throw new Error(`internal error: the winget ${type} manifest does not read back as written`);
      const path = `${folder}/${wingetFileName(model.packageIdentifier, type)}`;
      if (ctx.runner.dryRun) ctx.logger.info(`# write ${ctx.fileOf({ path })} (winget ${type} manifest ${WINGET_MANIFEST_VERSION})`);
      else await writeFileAtomic(ctx.fileOf({ path }), text);
      await ctx.record({
        kind: 'winget',
        name: path.split('/').at(-1)!,
        path,
        winget: { manifest: type, packageIdentifier: model.packageIdentifier, packageVersion: model.packageVersion, manifestVersion: WINGET_MANIFEST_VERSION },
        packs: files.map(packedFile),
      });
    }
  },
};
