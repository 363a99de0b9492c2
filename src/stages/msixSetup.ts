import { readFile } from 'node:fs/promises';
import type { KeyPath } from '../config/positions.js';
import type { BuildConfig, Config } from '../config/schema.js';
import type { ReleaseContext } from '../context/context.js';
import { plannedBinaryNames } from '../context/payload.js';
import { checkProjectInput, collectProjectFiles, type ProjectFile } from '../context/projectFiles.js';
import {
  aliasProblem,
  applicationIdFrom,
  applicationIdProblem,
  colorProblem,
  compareVersionQuads,
  displayTextProblem,
  languageProblem,
  packageNameFrom,
  packageNameProblem,
  publisherProblem,
  versionQuadProblem,
  windowsDistinguishedName,
} from '../msix/identity.js';
import type { ManifestModel } from '../msix/manifest.js';
import { MSIX_RULE_TITLES, msixNameProblems } from '../msix/names.js';
import { decodeIcon, encodePng, pngDimensions, scaleImage, solidImage } from '../msix/png.js';
import { MsixVersionError, toMsixVersion } from '../msix/version.js';
import { checkInstallPaths, PATH_RULE_TITLES } from '../payload/names.js';
import { payloadError, uniqueProblems, type PayloadProblem } from '../payload/problems.js';
import { SOURCE_RULE_TITLES } from '../payload/sources.js';
import { credentialFrom, devCredential, type SigningCredential } from '../signing/credentials.js';
import { signConfig } from '../signing/settings.js';
import { archOf, windowsArchOf, type GoArch } from '../util/arch.js';
import { problemsOf, UsageError } from '../util/errors.js';
import { checkedIcon } from './resourcesPreflight.js';
import { versionOrigin } from './versionOrigin.js';

// What every MSIX package of the run shares, found and checked when the run starts (the msix
// stage's preflight): the identity (name, the signing certificate's subject as Publisher, the
// four-part version), the texts, the application and its alias, the logos (configured PNGs,
// or made from the icon), and msix.files with the whole payload's names against the payload
// rules and MSIX's own. Every problem is kept and reported together, with its position.

export type MsixConfig = NonNullable<Config['msix']>;

export interface MsixLogo {
  /** Where it is in the package. */
  path: string;
  data: Uint8Array;
}

export interface MsixSetup {
  cfg: MsixConfig;
  arches: GoArch[];
  name: string;
  publisher: string;
  version: string;
  displayName: string;
  publisherDisplayName: string;
  description: string;
  application: { binary: string; id: string; alias?: string; startMenu: boolean };
  logos: { store: MsixLogo; square150: MsixLogo; square44: MsixLogo };
  extra: ProjectFile[];
}

/** The logos a manifest needs: where each goes in the package, and its size at scale 100. */
export const LOGOS = {
  store: { path: 'Assets/StoreLogo.png', size: 50, what: 'Properties/Logo (the Store and installer logo)' },
  square150: { path: 'Assets/Square150x150Logo.png', size: 150, what: 'Square150x150Logo (the Start tile)' },
  square44: { path: 'Assets/Square44x44Logo.png', size: 44, what: 'Square44x44Logo (the taskbar and app list icon)' },
} as const;
type LogoKey = keyof typeof LOGOS;
/** Scales Windows loads logos at (scale-100 … scale-400): a logo of one of these multiples is not blurred. */
const LOGO_SCALES = [1, 1.25, 1.5, 2, 4];
/** The colour of a logo made without an icon when backgroundColor is not a #RRGGBB. */
const PLACEHOLDER_COLOR = '#4A5D70';
/** The Publisher attribute that marks an unsigned package (Microsoft, "Create an unsigned MSIX package"). */
export const UNSIGNED_PUBLISHER_OID = '2.25.311729368913984317654407730594956997722';
/** Windows' limit on a logo file (VisualElements: "image file size ≤ 200 KB"). */
const LOGO_MAX_BYTES = 200 * 1024;

export function msixArches(ctx: ReleaseContext, cfg: MsixConfig): GoArch[] {
  const built = new Set(ctx.config.builds.flatMap((b) => ctx.targetsOf(b)));
  return [...new Set((cfg.targets ?? [...built]).filter((t) => built.has(t)).map(archOf))].sort();
}

/** The package version for this release, or a UsageError naming where the version comes from. */
export function msixVersion(ctx: ReleaseContext, cfg: MsixConfig): string {
  try {
    const mapped = toMsixVersion(ctx.release.version, ctx.release.snapshot ? 'strip' : cfg.prerelease);
    for (const w of mapped.warnings) ctx.warn(`msix: ${w}`);
    return mapped.version;
  } catch (err) {
    if (!(err instanceof MsixVersionError)) throw err;
    const next =
      err.rule === 'prerelease'
        ? `Set msix.prerelease (strip or patch-offset) to map pre-releases (${ctx.positions.at(['msix', 'prerelease'])})`
        : err.rule === 'patch-offset'
          ? `Choose another mapping in msix.prerelease (${ctx.positions.at(['msix', 'prerelease'])})`
          : 'Release another version, or leave the MSIX packages out (msix.disabled: true, or --skip msix)';
    throw new UsageError(`${versionOrigin(ctx)}: cannot be an MSIX package version: ${err.message}. ${next}.`);
  }
}

/** The build whose binary the application starts, and the binary's file name. */
function applicationBuild(ctx: ReleaseContext, cfg: MsixConfig): { build: BuildConfig; index: number; file: string } | undefined {
  const wanted = cfg.application.binary;
  const file = (b: BuildConfig) => `${b.binary}.exe`;
  const index =
    wanted === undefined
      ? ctx.config.builds.findIndex((b) => ctx.targetsOf(b).length > 0)
      : ctx.config.builds.findIndex((b) => file(b).toLowerCase() === wanted.toLowerCase() || b.binary.toLowerCase() === wanted.toLowerCase());
  const build = ctx.config.builds[index];
  return build ? { build, index, file: file(build) } : undefined;
}

/**
 * The package Publisher: the subject of the certificate that will sign the packages, which
 * msix.publisher, when set, must equal. Set msix.publisher when the certificate cannot be read
 * where the packages are built (the Windows certificate store, a PFX left on the signing
 * machine); sign-packages checks it against the certificate before signing. Packages nothing
 * signs get the unsigned mark.
 */
async function resolvePublisher(ctx: ReleaseContext, cfg: MsixConfig): Promise<string> {
  const configured = cfg.publisher;
  const at = (path: KeyPath) => ctx.positions.at(path);
  if (configured !== undefined) {
    const problem = publisherProblem(configured);
    if (problem) throw new UsageError(`${at(['msix', 'publisher'])}: "${configured}" ${problem}`);
  }
  const sign = signConfig(ctx);
  const signs = sign && !sign.disabled && sign.artifacts.includes('msix');
  if (!signs) {
    if (configured !== undefined) return configured;
    // Unsigned packages for testing: Windows 11 installs one (Add-AppxPackage -AllowUnsigned)
    // only when its Publisher carries this mark, so it can never pass for a signed package.
    const why = !sign ? 'there is no sign: section (or --dev-cert)' : sign.disabled ? 'sign.disabled is set' : 'sign.artifacts does not list msix';
    const publisher = windowsDistinguishedName([[{ type: UNSIGNED_PUBLISHER_OID, value: '1' }], [{ type: '2.5.4.3', value: ctx.config.project.vendor || ctx.config.project.name }]]);
    ctx.warn(
      `msix: the MSIX packages are not signed (${why}), so their Publisher is "${publisher}": the mark Windows 11 asks of an unsigned package, ` +
        'which installs only with Add-AppxPackage -AllowUnsigned, as an administrator. Sign them for anything but a test (sign:, or --dev-cert), or set msix.publisher.',
    );
    return publisher;
  }
  let credential: SigningCredential;
  try {
    credential = ctx.options.devCert ? (await devCredential(ctx)).credential : credentialFrom(ctx, sign.certificate);
  } catch (err) {
    // No password here (the key is used on another machine): msix.publisher says who signs.
    if (configured !== undefined) return configured;
    throw new UsageError(`${at(['msix'])}: the package Publisher is read from the signing certificate, which cannot be opened here (${(err as Error).message}); set msix.publisher to its subject to build the packages where the key is not`);
  }
  // A dry run starts nothing that needs a secret: the listing names the Publisher it would read.
  if (ctx.runner.dryRun && credential.kind === 'pkcs12') return configured ?? '<the subject of sign.certificate.pfx>';
  const { certificatePublisher, sameDistinguishedName } = await import('../signing/publisher.js');
  const read = await ctx.once('signing-certificate-publisher', () => certificatePublisher(ctx.runner, credential));
  if ('unreadable' in read) {
    if (configured !== undefined) return configured;
    throw new UsageError(
      `${at(['msix'])}: msix.publisher is needed: the package Publisher is the subject of the signing certificate, and ${read.unreadable}. ` +
        'Set msix.publisher to the certificate\'s subject exactly, e.g. "CN=Example Corp, O=Example Corp, C=US" (signtool refuses to sign a package whose Publisher differs).',
    );
  }
  if (configured !== undefined && !sameDistinguishedName(configured, read.publisher)) {
    throw new UsageError(
      `${at(['msix', 'publisher'])}: "${configured}" is not the subject of the signing certificate (${read.from}): "${read.publisher}". ` +
        'Windows refuses a package whose Publisher is not its signer\'s subject: remove msix.publisher (it is read from the certificate), or sign with that publisher\'s certificate.',
    );
  }
  return configured ?? read.publisher;
}

/** The logos: configured PNGs (checked), or made from the application's icon or a plain colour. */
async function resolveLogos(ctx: ReleaseContext, cfg: MsixConfig, app: { build: BuildConfig; index: number } | undefined, problems: Error[]): Promise<MsixSetup['logos'] | undefined> {
  const made: LogoKey[] = [];
  const logos: Partial<Record<LogoKey, MsixLogo>> = {};
  let source: { make: (size: number) => Uint8Array; from: string } | undefined;
  const generator = async () => {
    if (source) return source;
    const icon = app && !app.build.resources.disabled && app.build.resources.icon !== undefined ? app : undefined;
    if (icon) {
      const bytes = await checkedIcon(ctx, icon.build, icon.index).catch(() => undefined); // its problem is the resources preflight's to report
      const image = bytes ? decodeIcon(bytes) : undefined;
      if (image && !('problem' in image)) {
        const key = `builds[${icon.index}].resources.icon (${icon.build.resources.icon}, ${image.width}×${image.height})`;
        return (source = { make: (size) => encodePng(scaleImage(image, size)), from: key });
      }
    }
    const color = /^#[0-9a-fA-F]{6}$/.test(cfg.backgroundColor) ? cfg.backgroundColor : PLACEHOLDER_COLOR;
    return (source = { make: (size) => encodePng(solidImage(size, color)), from: `a plain ${color} square (no icon to make them from: set builds[].resources.icon)` });
  };
  for (const key of Object.keys(LOGOS) as LogoKey[]) {
    const spec = LOGOS[key];
    const configured = cfg.logos[key];
    if (configured === undefined) {
      made.push(key);
      logos[key] = { path: spec.path, data: (await generator()).make(spec.size) };
      continue;
    }
    const where = ctx.positions.at(['msix', 'logos', key]);
    const refused = await checkProjectInput(ctx, configured, `msix.logos.${key}`);
    if (refused) {
      problems.push(new UsageError(`${where}: ${configured}: ${SOURCE_RULE_TITLES.find(([r]) => r === refused.rule)?.[1] ?? refused.rule}${refused.detail ? ` (${refused.detail})` : ''}`));
      continue;
    }
    const data = await readFile(ctx.project(configured));
    const size = pngDimensions(data);
    if ('problem' in size) {
      problems.push(new UsageError(`${where}: ${configured}: ${size.problem}; the ${spec.what} must be a PNG of ${spec.size}×${spec.size} pixels`));
      continue;
    }
    if (!LOGO_SCALES.some((s) => size.width === spec.size * s && size.height === spec.size * s)) {
      ctx.warn(`${where}: ${configured} is ${size.width}×${size.height} pixels; the ${spec.what} is ${spec.size}×${spec.size} (or ${LOGO_SCALES.slice(1).map((s) => spec.size * s).join(', ')} for larger scales), so Windows will stretch it`);
    }
    if (data.length > LOGO_MAX_BYTES) problems.push(new UsageError(`${where}: ${configured} is ${data.length.toLocaleString('en-US')} bytes; Windows shows no logo over 200 KB`));
    logos[key] = { path: spec.path, data: new Uint8Array(data) };
  }
  if (made.length) {
    ctx.warn(
      `msix.logos: no ${made.join(', ')} logo${made.length === 1 ? '' : 's'} given: made ${made.map((k) => `${LOGOS[k].size}×${LOGOS[k].size}`).join(', ')} from ${(await generator()).from}; ` +
        'give PNGs of those sizes for a sharp tile',
    );
  }
  return logos.store && logos.square150 && logos.square44 ? (logos as MsixSetup['logos']) : undefined;
}

/** msix.files, and every name the packages would hold checked against the payload rules and MSIX's. */
async function checkedPayload(ctx: ReleaseContext, cfg: MsixConfig, arches: readonly GoArch[]): Promise<ProjectFile[]> {
  const { files, problems } = await collectProjectFiles(ctx, cfg.files, 'msix.files', cfg.exclude);
  const logoPaths = Object.values(LOGOS).map((l) => l.path);
  const names = arches.flatMap((arch) => {
    const paths = [...plannedBinaryNames(ctx, arch), ...files.map((f) => f.name), ...logoPaths];
    return [...checkInstallPaths(paths.map((path) => ({ path, kind: 'file' as const }))).problems, ...msixNameProblems(paths)];
  });
  const all = uniqueProblems<PayloadProblem>([...problems, ...names]);
  if (all.length > 0) {
    throw payloadError(
      'msix.files',
      `the files the MSIX packages would hold (the binaries, msix.files and the logos under Assets/, from ${ctx.projectDir})`,
      all,
      [...SOURCE_RULE_TITLES, ...PATH_RULE_TITLES, ...MSIX_RULE_TITLES],
      'Nothing was packed. Rename, move or remove these files, or leave them out (msix.exclude); copy files from outside the project into it.',
    );
  }
  return files;
}

/** Found and checked once per run, when it starts; the run's packages are built from it. */
export function msixSetup(ctx: ReleaseContext): Promise<MsixSetup> {
  return ctx.once('msix-setup', async () => {
    const cfg = ctx.config.msix!;
    const { project } = ctx.config;
    const problems: Error[] = [];
    const keep = <T>(make: () => T): T | undefined => {
      try {
        return make();
      } catch (err) {
        problems.push(err as Error);
        return undefined;
      }
    };
    const at = (path: KeyPath) => ctx.positions.at(path);
    const text = (value: string, max: number, path: KeyPath, fallback: KeyPath) => {
      const problem = displayTextProblem(value, max);
      if (problem) problems.push(new UsageError(`${at(ctx.positions.has(path) ? path : fallback)}: ${problem}${value.trim() ? '' : ` (the package shows it; set ${path.join('.')})`}`));
      return value;
    };
    const arches = msixArches(ctx, cfg);
    const version = keep(() => msixVersion(ctx, cfg));

    const name = cfg.name ?? packageNameFrom(project.name);
    const nameProblem = packageNameProblem(name);
    if (nameProblem) problems.push(new UsageError(`${at(cfg.name !== undefined ? ['msix', 'name'] : ['project', 'name'])}: "${name}" cannot be the package name: it ${nameProblem}${cfg.name === undefined ? '; set msix.name' : ''}`));

    const displayName = text(cfg.displayName ?? project.name, 256, ['msix', 'displayName'], ['project', 'name']);
    const publisherDisplayName = text(cfg.publisherDisplayName ?? project.vendor, 256, ['msix', 'publisherDisplayName'], ['project', 'vendor']);
    const description = text(cfg.description ?? (project.description || displayName), 2048, ['msix', 'description'], ['project', 'description']);

    const app = applicationBuild(ctx, cfg);
    let application: MsixSetup['application'] | undefined;
    if (!app) {
      const built = ctx.config.builds.map((b) => `${b.binary}.exe`).join(', ');
      problems.push(new UsageError(`${at(['msix', 'application', 'binary'])}: "${cfg.application.binary}" is not a binary this release builds (it builds: ${built}); name one of them`));
    } else {
      const missing = arches.filter((arch) => !plannedBinaryNames(ctx, arch).includes(app.file));
      if (missing.length) {
        problems.push(
          new UsageError(
            `${at(cfg.application.binary !== undefined ? ['msix', 'application', 'binary'] : ['msix'])}: the application ${app.file} is not built for ${missing.map(windowsArchOf).join(', ')}, ` +
              `which the MSIX packages are (msix.targets); build it for ${missing.length === 1 ? 'that target' : 'those targets'} (builds[${app.index}].targets) or narrow msix.targets`,
          ),
        );
      }
      const id = cfg.application.id ?? applicationIdFrom(app.build.binary);
      const idProblem = applicationIdProblem(id);
      if (idProblem) problems.push(new UsageError(`${at(['msix', 'application', 'id'])}: "${id}" ${idProblem}`));
      const alias = cfg.application.alias === false ? undefined : (cfg.application.alias ?? (app.build.gui ? undefined : app.file));
      if (alias !== undefined) {
        const aliasIssue = aliasProblem(alias);
        if (aliasIssue) problems.push(new UsageError(`${at(['msix', 'application', 'alias'])}: "${alias}" ${aliasIssue}`));
      }
      application = { binary: app.file, id, ...(alias !== undefined ? { alias } : {}), startMenu: cfg.application.startMenu ?? (app.build.gui || alias === undefined) };
    }

    const color = colorProblem(cfg.backgroundColor);
    if (color) problems.push(new UsageError(`${at(['msix', 'backgroundColor'])}: ${color}`));
    for (const key of ['minVersion', 'maxVersionTested'] as const) {
      const problem = versionQuadProblem(cfg[key]);
      if (problem) problems.push(new UsageError(`${at(['msix', key])}: ${problem}`));
    }
    if (!versionQuadProblem(cfg.minVersion) && !versionQuadProblem(cfg.maxVersionTested) && compareVersionQuads(cfg.maxVersionTested, cfg.minVersion) < 0) {
      problems.push(new UsageError(`${at(['msix', 'maxVersionTested'])}: ${cfg.maxVersionTested} is older than msix.minVersion ${cfg.minVersion}`));
    }
    cfg.languages.forEach((language, i) => {
      const problem = languageProblem(language);
      if (problem) problems.push(new UsageError(`${at(['msix', 'languages', i])}: ${problem}`));
    });

    const [publisher, logos, extra] = await Promise.all([
      resolvePublisher(ctx, cfg).catch((err: Error) => void problems.push(err)),
      resolveLogos(ctx, cfg, app, problems).catch((err: Error) => void problems.push(err)),
      checkedPayload(ctx, cfg, arches).catch((err: Error) => void problems.push(err)),
    ]);
    const found = problemsOf(problems);
    if (found || version === undefined || !application || !publisher || !logos || !extra) throw found ?? new Error('internal: msix setup incomplete');
    return { cfg, arches, name, publisher, version, displayName, publisherDisplayName, description, application, logos, extra };
  });
}

/** The manifest of the package for `arch`. */
export function manifestModel(setup: MsixSetup, arch: GoArch): ManifestModel {
  const { cfg, application } = setup;
  return {
    identity: { name: setup.name, publisher: setup.publisher, version: setup.version, arch: windowsArchOf(arch) },
    displayName: setup.displayName,
    publisherDisplayName: setup.publisherDisplayName,
    description: setup.description,
    logos: { store: setup.logos.store.path, square150: setup.logos.square150.path, square44: setup.logos.square44.path },
    minVersion: cfg.minVersion,
    maxVersionTested: cfg.maxVersionTested,
    languages: cfg.languages,
    application: {
      id: application.id,
      executable: application.binary,
      displayName: setup.displayName,
      description: setup.description,
      backgroundColor: cfg.backgroundColor,
      startMenu: application.startMenu,
      ...(application.alias !== undefined ? { alias: application.alias } : {}),
    },
  };
}
