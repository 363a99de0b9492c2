// App Installer files (.appinstaller): where a package is served, and how installed copies look
// for updates. A model, its rules, and its XML. There is no public schema; the rules are those
// of the schema reference (MicrosoftDocs/winrt-related, schemas/appinstallerschema, and
// msix-docs app-installer/*), each checked with the field it is about:
//
// - Uri (where this file itself is served: http, https or a UNC path) and every package Uri:
//   1 to 2084 characters; no query string with several key=value pairs.
// - Version: four parts, major not 0. MainPackage/MainBundle (exactly one): Name 3-50 of
//   letters, digits, "." and "-", Publisher a distinguished name, Version four parts,
//   ProcessorArchitecture x86 | x64 | arm | arm64 | neutral (MainPackage only). They must be the
//   package's own identity (the writer's caller compares them with the built package).
// - OnLaunch@HoursBetweenUpdateChecks 0-255; UpdateBlocksActivation only with ShowPrompt.
// - UpdateUris and RepairUris: at most 10 each.
// - UTF-8, and only ASCII text: App Installer refuses any other character.
//
// Each namespace adds features; the writer takes the oldest that has every feature used, or the
// one configured, and refuses a feature the configured one lacks:
//   2017/2 (Windows 10 1803)  OnLaunch@HoursBetweenUpdateChecks, AutomaticBackgroundTask
//   2018   (1809)             OnLaunch@ShowPrompt, OnLaunch@UpdateBlocksActivation, ForceUpdateFromAnyVersion
//   2021   (Windows 11 21H2)  UpdateUris, RepairUris
// (The original 2017 namespace, Windows 10 1709, has none of them: it is not written.)

import { packageNameProblem, publisherProblem, versionQuadProblem } from './identity.js';
import { APPINSTALLER_NAMESPACE_ORDER, APPINSTALLER_NAMESPACES, PACKAGE_ARCHITECTURES, type AppInstallerNamespace, type PackageArchitecture } from './namespaces.js';
import { xmlDocument, type XmlElement } from './xml.js';

export { APPINSTALLER_NAMESPACE_ORDER, APPINSTALLER_NAMESPACES, PACKAGE_ARCHITECTURES, type AppInstallerNamespace, type PackageArchitecture };

/** The Windows version that first reads each namespace, for messages. */
const NAMESPACE_WINDOWS: Record<AppInstallerNamespace, string> = { '2017/2': 'Windows 10 1803', '2018': 'Windows 10 1809', '2021': 'Windows 11 21H2' };

export const MAX_UPDATE_URIS = 10;
export const MAX_URI_LENGTH = 2084;

export interface PackageReference {
  /** A package (.msix/.appx) or a bundle (.msixbundle/.appxbundle). */
  type: 'package' | 'bundle';
  name: string;
  publisher: string;
  version: string;
  /** Packages only (a bundle holds several). */
  processorArchitecture?: PackageArchitecture;
  uri: string;
}

export interface UpdateSettings {
  onLaunch?: { hoursBetweenUpdateChecks?: number; showPrompt?: boolean; updateBlocksActivation?: boolean };
  /** Check in the background every 8 hours, whether the app runs or not. */
  automaticBackgroundTask?: boolean;
  /** Allow moving to a lower version too (a rollback). */
  forceUpdateFromAnyVersion?: boolean;
}

export interface AppInstallerModel {
  /** Where this .appinstaller file is served. */
  uri: string;
  /** The file's own version, four parts, major not 0. */
  version: string;
  main: PackageReference;
  optionalPackages?: readonly PackageReference[];
  relatedPackages?: readonly PackageReference[];
  dependencies?: readonly PackageReference[];
  updateSettings?: UpdateSettings;
  updateUris?: readonly string[];
  repairUris?: readonly string[];
}

/** A rule broken: the model field (a key path) and what is wrong with it. */
export interface AppInstallerProblem {
  field: readonly (string | number)[];
  message: string;
}

/** A feature of the model and the namespace that introduced it. */
interface Feature {
  field: readonly (string | number)[];
  what: string;
  since: AppInstallerNamespace;
}

function featuresOf(m: AppInstallerModel): Feature[] {
  const f: Feature[] = [];
  const s = m.updateSettings;
  if (s?.onLaunch?.hoursBetweenUpdateChecks !== undefined) f.push({ field: ['updateSettings', 'onLaunch', 'hoursBetweenUpdateChecks'], what: 'OnLaunch@HoursBetweenUpdateChecks', since: '2017/2' });
  if (s?.automaticBackgroundTask) f.push({ field: ['updateSettings', 'automaticBackgroundTask'], what: 'AutomaticBackgroundTask', since: '2017/2' });
  if (s?.onLaunch?.showPrompt !== undefined) f.push({ field: ['updateSettings', 'onLaunch', 'showPrompt'], what: 'OnLaunch@ShowPrompt', since: '2018' });
  if (s?.onLaunch?.updateBlocksActivation !== undefined) f.push({ field: ['updateSettings', 'onLaunch', 'updateBlocksActivation'], what: 'OnLaunch@UpdateBlocksActivation', since: '2018' });
  if (s?.forceUpdateFromAnyVersion !== undefined) f.push({ field: ['updateSettings', 'forceUpdateFromAnyVersion'], what: 'ForceUpdateFromAnyVersion', since: '2018' });
  if (m.updateUris?.length) f.push({ field: ['updateUris'], what: 'UpdateUris', since: '2021' });
  if (m.repairUris?.length) f.push({ field: ['repairUris'], what: 'RepairUris', since: '2021' });
  return f;
}

const rank = (ns: AppInstallerNamespace) => APPINSTALLER_NAMESPACE_ORDER.indexOf(ns);

/** The oldest namespace with every feature the model uses. */
export function oldestNamespaceFor(m: AppInstallerModel): AppInstallerNamespace {
  return featuresOf(m).reduce<AppInstallerNamespace>((ns, f) => (rank(f.since) > rank(ns) ? f.since : ns), '2017/2');
}

/** Why `uri` cannot be a Uri of an App Installer file, or undefined. */
export function uriProblem(uri: string): string | undefined {
  if (uri.length === 0 || uri.length > MAX_URI_LENGTH) return `is ${uri.length} characters; a Uri has 1 to ${MAX_URI_LENGTH}`;
  if (/^\\\\[^\\/]+\\[^\\/]+/.test(uri)) return /[\u0000-\u001f]/.test(uri) ? 'holds a control character' : undefined; // \\server\share\…
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return `"${uri}" is not a URL (an http:// or https:// address, or a UNC path \\\\server\\share\\…)`;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return `"${uri}" is a ${url.protocol.replace(/:$/, '')}: URL; App Installer reads http://, https:// and UNC paths (\\\\server\\share\\…)`;
  if (url.username || url.password) return `"${uri}" holds a user name or password, which would be published in the file`;
  if ([...url.searchParams.keys()].length > 1) return `"${uri}" has a query string with several key=value pairs, which App Installer does not support`;
  return undefined;
}

function referenceProblems(ref: PackageReference, field: readonly (string | number)[], main: boolean): AppInstallerProblem[] {
  const out: AppInstallerProblem[] = [];
  const add = (key: string, message: string | undefined) => message && out.push({ field: [...field, key], message });
  add('name', packageNameProblem(ref.name));
  add('publisher', publisherProblem(ref.publisher));
  add('version', versionQuadProblem(ref.version));
  add('uri', uriProblem(ref.uri));
  if (ref.type === 'package' && ref.processorArchitecture !== undefined && !(PACKAGE_ARCHITECTURES as readonly string[]).includes(ref.processorArchitecture)) {
    add('processorArchitecture', `"${ref.processorArchitecture}" is not one of ${PACKAGE_ARCHITECTURES.join(', ')}`);
  }
  if (main && ref.type === 'package' && ref.processorArchitecture === undefined) add('processorArchitecture', 'is required for the main package');
  if (ref.type === 'bundle' && ref.processorArchitecture !== undefined) add('processorArchitecture', 'is for packages; a bundle holds several architectures');
  return out;
}

/** Every rule the model breaks; `namespace` is the one configured (undefined: the oldest that fits). */
export function appInstallerProblems(m: AppInstallerModel, namespace?: AppInstallerNamespace): AppInstallerProblem[] {
  const out: AppInstallerProblem[] = [];
  const uri = uriProblem(m.uri);
  if (uri) out.push({ field: ['uri'], message: uri });
  const version = versionQuadProblem(m.version) ?? (m.version.split('.')[0] === '0' ? `"${m.version}": the major version of an App Installer file may not be 0` : undefined);
  if (version) out.push({ field: ['version'], message: version });
  out.push(...referenceProblems(m.main, ['main'], true));
  for (const key of ['optionalPackages', 'relatedPackages', 'dependencies'] as const) {
    (m[key] ?? []).forEach((ref, i) => out.push(...referenceProblems(ref, [key, i], false)));
  }
  const launch = m.updateSettings?.onLaunch;
  const hours = launch?.hoursBetweenUpdateChecks;
  if (hours !== undefined && (!Number.isInteger(hours) || hours < 0 || hours > 255)) {
    out.push({ field: ['updateSettings', 'onLaunch', 'hoursBetweenUpdateChecks'], message: `${hours} is not a whole number of hours from 0 to 255` });
  }
  if (launch?.updateBlocksActivation !== undefined && launch.showPrompt !== true) {
    out.push({ field: ['updateSettings', 'onLaunch', 'updateBlocksActivation'], message: 'needs showPrompt: true (App Installer only blocks the launch behind the prompt it shows)' });
  }
  for (const key of ['updateUris', 'repairUris'] as const) {
    const list = m[key] ?? [];
    if (list.length > MAX_UPDATE_URIS) out.push({ field: [key], message: `lists ${list.length} URIs; App Installer takes at most ${MAX_UPDATE_URIS}` });
    list.forEach((u, i) => {
      const p = uriProblem(u);
      if (p) out.push({ field: [key, i], message: p });
    });
  }
  if (namespace !== undefined) {
    for (const f of featuresOf(m)) {
      if (rank(f.since) > rank(namespace)) {
        out.push({ field: f.field, message: `${f.what} is not in the ${namespace} App Installer namespace: it came with ${f.since} (${NAMESPACE_WINDOWS[f.since]}); use namespace ${f.since} or later, or leave it out` });
      }
    }
  }
  for (const { field, value } of textsOf(m)) {
    const bad = [...value].find((ch) => ch.charCodeAt(0) > 0x7e || ch.charCodeAt(0) < 0x20);
    if (bad !== undefined) out.push({ field, message: `holds ${JSON.stringify(bad)} (U+${bad.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}): App Installer files may hold only printable ASCII` });
  }
  return out;
}

function textsOf(m: AppInstallerModel): { field: (string | number)[]; value: string }[] {
  const texts: { field: (string | number)[]; value: string }[] = [{ field: ['uri'], value: m.uri }];
  const refs: [readonly (string | number)[], PackageReference][] = [
    [['main'], m.main],
    ...(['optionalPackages', 'relatedPackages', 'dependencies'] as const).flatMap((k) => (m[k] ?? []).map((r, i) => [[k, i], r] as [readonly (string | number)[], PackageReference])),
  ];
  for (const [field, r] of refs) for (const key of ['name', 'publisher', 'uri'] as const) texts.push({ field: [...field, key], value: r[key] });
  for (const key of ['updateUris', 'repairUris'] as const) (m[key] ?? []).forEach((value, i) => texts.push({ field: [key, i], value }));
  return texts;
}

export class AppInstallerError extends Error {
  override name = 'AppInstallerError';
  constructor(readonly problems: readonly AppInstallerProblem[]) {
    super(`the App Installer file breaks ${problems.length === 1 ? 'a rule' : `${problems.length} rules`}:\n${problems.map((p) => `  - ${p.field.join('.')}: ${p.message}`).join('\n')}`);
  }
}

function referenceElement(ref: PackageReference, main: boolean): XmlElement {
  return {
    name: main ? (ref.type === 'bundle' ? 'MainBundle' : 'MainPackage') : ref.type === 'bundle' ? 'Bundle' : 'Package',
    attributes: { Name: ref.name, Publisher: ref.publisher, Version: ref.version, ProcessorArchitecture: ref.processorArchitecture, Uri: ref.uri },
  };
}

/**
 * The .appinstaller file, after every rule has passed (AppInstallerError lists what did not).
 * Every element and attribute is in the one namespace written (as Visual Studio writes them);
 * children come in the order of the schema reference.
 */
export function renderAppInstaller(m: AppInstallerModel, configured?: AppInstallerNamespace): { xml: string; namespace: AppInstallerNamespace } {
  const problems = appInstallerProblems(m, configured);
  if (problems.length) throw new AppInstallerError(problems);
  const namespace = configured ?? oldestNamespaceFor(m);
  const s = m.updateSettings;
  const launch = s?.onLaunch;
  const list = (name: string, refs: readonly PackageReference[] | undefined): XmlElement[] =>
    refs?.length ? [{ name, children: refs.map((r) => referenceElement(r, false)) }] : [];
  const settings: XmlElement[] = [
    ...(launch
      ? [{ name: 'OnLaunch', attributes: { HoursBetweenUpdateChecks: launch.hoursBetweenUpdateChecks, ShowPrompt: launch.showPrompt, UpdateBlocksActivation: launch.updateBlocksActivation } }]
      : []),
    ...(s?.automaticBackgroundTask ? [{ name: 'AutomaticBackgroundTask' }] : []),
    ...(s?.forceUpdateFromAnyVersion !== undefined ? [{ name: 'ForceUpdateFromAnyVersion', text: String(s.forceUpdateFromAnyVersion) }] : []),
  ];
  const uris = (name: string, child: string, values: readonly string[] | undefined): XmlElement[] =>
    values?.length ? [{ name, children: values.map((v) => ({ name: child, text: v })) }] : [];
  const root: XmlElement = {
    name: 'AppInstaller',
    attributes: { xmlns: APPINSTALLER_NAMESPACES[namespace], Uri: m.uri, Version: m.version },
    children: [
      referenceElement(m.main, true),
      ...list('OptionalPackages', m.optionalPackages),
      ...list('RelatedPackages', m.relatedPackages),
      ...list('Dependencies', m.dependencies),
      ...(settings.length ? [{ name: 'UpdateSettings', children: settings }] : []),
      ...uris('UpdateUris', 'UpdateUri', m.updateUris),
      ...uris('RepairUris', 'RepairUri', m.repairUris),
    ],
  };
  return { xml: xmlDocument(root), namespace };
}
