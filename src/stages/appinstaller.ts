import { readFile } from 'node:fs/promises';
import type { ArtifactOf } from '../artifacts/kinds.js';
import { appinstallerName, msixName } from '../artifacts/names.js';
import type { KeyPath } from '../config/positions.js';
import type { ReleaseContext } from '../context/context.js';
import type { TargetStage } from '../context/stage.js';
import type { AppInstallerModel, AppInstallerNamespace, AppInstallerProblem } from '../msix/appinstaller.js';
import { archOf, windowsArchOf } from '../util/arch.js';
import { problemsOf, StageError, UsageError } from '../util/errors.js';
import { writeFileAtomic } from '../util/fs.js';
import { DEFAULT_UPDATE_SETTINGS } from '../config/msix.js';
import { packageNameFrom } from '../msix/identity.js';
import { toMsixVersion } from '../msix/version.js';
import { msixArches, msixSetup } from './msixSetup.js';
import { versionOrigin } from './versionOrigin.js';

// App Installer files: one per MSIX package, `<Name>_<arch>.appinstaller`, pointing at the
// package where it is served (msix.appinstaller.baseUrl, or `release appinstaller --base-url`),
// with the update settings of release.yaml. The identity comes from the package record, and is
// checked against the AppxManifest.xml inside the package file before anything is written.

type AppInstallerConfig = NonNullable<NonNullable<ReleaseContext['config']['msix']>['appinstaller']>;

/** The base URL of this run: --base-url first, then msix.appinstaller.baseUrl. */
export function appinstallerBaseUrl(ctx: ReleaseContext): string | undefined {
  return ctx.options.appinstallerBaseUrl ?? ctx.config.msix?.appinstaller?.baseUrl;
}

/** `file` served under `base` (a URL, or a UNC path). */
export function servedAt(base: string, file: string): string {
  if (base.startsWith('\\\\')) return `${base.replace(/\\+$/, '')}\\${file}`;
  return `${base.replace(/\/+$/, '')}/${encodeURIComponent(file)}`;
}

function settingsOf(cfg: AppInstallerConfig | undefined): Pick<AppInstallerModel, 'optionalPackages' | 'relatedPackages' | 'dependencies' | 'updateSettings' | 'updateUris' | 'repairUris'> {
  const refs = (list: AppInstallerConfig['dependencies'] | undefined) => (list ?? []).map((r) => ({ ...r }));
  // --base-url without an msix.appinstaller section: the default settings.
  const s: AppInstallerConfig['updateSettings'] = cfg?.updateSettings ?? DEFAULT_UPDATE_SETTINGS;
  return {
    optionalPackages: refs(cfg?.optionalPackages),
    relatedPackages: refs(cfg?.relatedPackages),
    dependencies: refs(cfg?.dependencies),
    updateSettings: {
      ...(s.onLaunch ? { onLaunch: s.onLaunch } : {}),
      ...(s.automaticBackgroundTask !== undefined ? { automaticBackgroundTask: s.automaticBackgroundTask } : {}),
      ...(s.forceUpdateFromAnyVersion !== undefined ? { forceUpdateFromAnyVersion: s.forceUpdateFromAnyVersion } : {}),
    },
    updateUris: cfg?.updateUris ?? [],
    repairUris: cfg?.repairUris ?? [],
  };
}

/** The model of the file for one recorded (or planned) package. */
export function appinstallerModel(ctx: ReleaseContext, base: string, pkg: { name: string; publisher: string; version: string; arch: 'x64' | 'x86' | 'arm64'; file: string; goarch: ArtifactOf<'msix'>['goarch'] }): AppInstallerModel {
  const cfg = ctx.config.msix!.appinstaller;
  return {
    uri: servedAt(base, appinstallerName(pkg, pkg.goarch)),
    version: pkg.version,
    main: { type: 'package', name: pkg.name, publisher: pkg.publisher, version: pkg.version, processorArchitecture: pkg.arch, uri: servedAt(base, pkg.file) },
    ...settingsOf(cfg),
  };
}

/** Where in release.yaml (or the command line) a rule of the model is set, for its message. */
function sourceOf(ctx: ReleaseContext, field: readonly (string | number)[]): { at: string; ownKey: boolean } {
  const at = (path: KeyPath) => ctx.positions.at(path);
  const baseUrl = ctx.options.appinstallerBaseUrl !== undefined ? `--base-url ${ctx.options.appinstallerBaseUrl}` : at(['msix', 'appinstaller', 'baseUrl']);
  const [head, ...rest] = field;
  if (head === 'uri' || (head === 'main' && rest[0] === 'uri')) return { at: baseUrl, ownKey: false };
  if (head === 'version' || (head === 'main' && rest[0] === 'version')) return { at: versionOrigin(ctx), ownKey: false };
  if (head === 'main' && rest[0] === 'name') return { at: at(ctx.config.msix?.name !== undefined ? ['msix', 'name'] : ['project', 'name']), ownKey: false };
  if (head === 'main' && rest[0] === 'publisher') return { at: at(ctx.config.msix?.publisher !== undefined ? ['msix', 'publisher'] : ['sign', 'certificate']), ownKey: false };
  if (head === 'main') return { at: at(['msix', 'targets']), ownKey: false };
  return { at: at(['msix', 'appinstaller', ...field]), ownKey: true };
}

/** A broken rule as the user reads it: where it is set, then what is wrong. */
function problemError(ctx: ReleaseContext, p: AppInstallerProblem): UsageError {
  const { at, ownKey } = sourceOf(ctx, p.field);
  if (p.field.length === 1 && p.field[0] === 'version') {
    return new UsageError(`${at}: cannot be the version of an App Installer file: ${p.message}; release 1.0.0 or later, or leave the App Installer files out (remove msix.appinstaller)`);
  }
  return new UsageError(`${at}: ${ownKey ? '' : `${p.field.join('.')}: `}${p.message}`);
}

function checked(ctx: ReleaseContext, model: AppInstallerModel, problemsOfModel: (m: AppInstallerModel, ns?: AppInstallerNamespace) => AppInstallerProblem[]): void {
  const ns = ctx.config.msix?.appinstaller?.namespace;
  const problems = problemsOfModel(model, ns === undefined || ns === 'auto' ? undefined : ns);
  const found = problemsOf(problems.map((p) => problemError(ctx, p)));
  if (found) throw found;
}

/**
 * The rules the files of this run must meet, checked when the run starts with the identity the
 * packages will have: the base URL, the update settings and the namespace they need, the other
 * packages named, the version (App Installer files cannot have major version 0).
 */
async function prepareAppinstaller(ctx: ReleaseContext): Promise<void> {
  const base = appinstallerBaseUrl(ctx)!;
  const cfg = ctx.config.msix!;
  const { appInstallerProblems, uriProblem } = await import('../msix/appinstaller.js');
  const baseProblem = uriProblem(base);
  // The identity the packages will have: recorded by an earlier run, or settled by the msix
  // preflight (whose problems are its own to report: then a stand-in identity checks the rest).
  const recorded = ctx.artifacts.ofKind('msix')[0];
  const setup = recorded ? undefined : await msixSetup(ctx).catch(() => undefined);
  const known = recorded ? { ...recorded.msix, goarch: recorded.goarch } : setup ? { name: setup.name, publisher: setup.publisher, version: setup.version, goarch: setup.arches[0] ?? 'amd64' } : undefined;
  let version = known?.version;
  if (version === undefined) {
    try {
      version = toMsixVersion(ctx.release.version, ctx.release.snapshot ? 'strip' : cfg.prerelease).version;
    } catch {
      version = '1.0.0.0';
    }
  }
  const name = known?.name ?? cfg.name ?? packageNameFrom(ctx.config.project.name);
  const arch = known?.goarch ?? msixArches(ctx, cfg)[0] ?? 'amd64';
  const planned = { name, publisher: known?.publisher ?? 'CN=Planned', version, arch: windowsArchOf(arch), file: msixName({ name, version }, arch), goarch: arch };
  const model = appinstallerModel(ctx, baseProblem ? 'https://base.invalid/' : base, planned);
  const ns = cfg.appinstaller?.namespace;
  const problems = appInstallerProblems(model, ns === undefined || ns === 'auto' ? undefined : ns)
    // Without the real identity, the package's own fields are the msix preflight's to check.
    .filter((p) => known !== undefined || !(p.field[0] === 'main' && ['name', 'publisher'].includes(String(p.field[1]))));
  const errors = problems.map((p) => problemError(ctx, p));
  if (baseProblem) errors.unshift(new UsageError(`${sourceOf(ctx, ['uri']).at}: ${baseProblem}`));
  const found = problemsOf(errors);
  if (found) throw found;
}

/** The identity inside the package file, from its AppxManifest.xml. */
async function identityInPackage(file: string): Promise<Record<string, string>> {
  const [{ readZipEntry }, { XMLParser }] = await Promise.all([import('../msix/read.js'), import('../msi/wix/fxp.js')]);
  const manifest = readZipEntry(await readFile(file), 'AppxManifest.xml');
  if (!manifest) throw new StageError(`${file} holds no AppxManifest.xml`);
  const doc = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '' }).parse(manifest.toString('utf8')) as { Package?: { Identity?: Record<string, string> } };
  const identity = doc.Package?.Identity;
  if (!identity) throw new StageError(`${file}: its AppxManifest.xml has no Package/Identity`);
  return identity;
}

export const appinstaller: TargetStage = {
  id: 'appinstaller',
  title: 'Write App Installer files',
  scope: 'target',
  consumes: ['msix'],
  produces: ['appinstaller'],
  modifies: [],
  skip: (ctx) =>
    !ctx.config.msix
      ? 'no msix: section in release.yaml'
      : ctx.config.msix.disabled
        ? 'msix.disabled is set'
        : appinstallerBaseUrl(ctx) === undefined
          ? 'no msix.appinstaller.baseUrl in release.yaml (or release appinstaller --base-url)'
          : false,
  prepare: prepareAppinstaller,
  async run(ctx, target) {
    const arch = archOf(target);
    const base = appinstallerBaseUrl(ctx)!;
    const { renderAppInstaller, appInstallerProblems } = await import('../msix/appinstaller.js');
    for (const pkg of ctx.artifacts.ofKind('msix').filter((a) => a.goarch === arch)) {
      if (!ctx.runner.dryRun) {
        // The file must install exactly the package it names: compared with the built package.
        const inside = await identityInPackage(ctx.fileOf(pkg));
        const expected: Record<string, string> = { Name: pkg.msix.name, Publisher: pkg.msix.publisher, Version: pkg.msix.version, ProcessorArchitecture: pkg.msix.arch };
        const differs = Object.keys(expected).filter((k) => inside[k] !== expected[k]);
        if (differs.length) {
          throw new StageError(`${pkg.path}: its AppxManifest.xml says ${differs.map((k) => `${k}="${inside[k]}"`).join(', ')}, its record ${differs.map((k) => `${k}="${expected[k]}"`).join(', ')}; rebuild it (release build --only msix,sign-packages,appinstaller,checksum,manifest)`);
        }
      }
      const model = appinstallerModel(ctx, base, { ...pkg.msix, file: pkg.name, goarch: pkg.goarch });
      checked(ctx, model, appInstallerProblems);
      const ns = ctx.config.msix?.appinstaller?.namespace;
      const { xml, namespace } = renderAppInstaller(model, ns === undefined || ns === 'auto' ? undefined : ns);
      const name = appinstallerName(pkg.msix, arch);
      if (ctx.runner.dryRun) ctx.logger.info(`# write ${ctx.fileOf({ path: name })} (App Installer ${namespace}, ${model.main.uri})`);
      else await writeFileAtomic(ctx.fileOf({ path: name }), xml);
      await ctx.record({
        kind: 'appinstaller',
        name,
        path: name,
        goos: 'windows',
        goarch: arch,
        appinstaller: { uri: model.uri, version: model.version, namespace, package: pkg.path, packageUri: model.main.uri },
      });
    }
  },
};
