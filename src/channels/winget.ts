import { stringify } from 'yaml';

// winget's multi-file manifest for one version of a package (microsoft/winget-cli,
// schemas/JSON/manifests/v1.28.0; domain notes §6): a version manifest, an installer manifest
// (one installer per architecture: the MSI with its ProductCode, or the zip with the portable
// commands inside) and a default-locale manifest (publisher, name, licence, description).
// Written in the layout of microsoft/winget-pkgs, manifests/<letter>/<Publisher>/<Name>/<version>/,
// so the folder can be copied into a fork as it is. Pure: the model in, documents and text out.

export const WINGET_MANIFEST_VERSION = '1.28.0';
export const WINGET_LOCALE = 'en-US';

export type WingetManifestType = 'version' | 'installer' | 'defaultLocale';
export const WINGET_MANIFEST_TYPES: readonly WingetManifestType[] = ['version', 'installer', 'defaultLocale'];

export interface WingetInstaller {
  architecture: 'x64' | 'x86' | 'arm64';
  url: string;
  /** SHA-256 of the file at `url`, hex (written upper-case, as winget-pkgs has it). */
  sha256: string;
  /** An MSI's ProductCode and UpgradeCode (GUIDs, with or without braces). */
  productCode?: string;
  upgradeCode?: string;
  /** A zip's programs, put on PATH under their alias (NestedInstallerType portable). */
  commands?: readonly { path: string; alias: string }[];
}

export interface WingetModel {
  packageIdentifier: string;
  packageVersion: string;
  publisher: string;
  publisherUrl?: string;
  packageName: string;
  packageUrl?: string;
  license: string;
  licenseUrl?: string;
  copyright?: string;
  shortDescription: string;
  moniker?: string;
  tags: readonly string[];
  releaseNotesUrl?: string;
  installerType: 'msi' | 'zip';
  /** An MSI's install scope. */
  scope?: 'machine' | 'user';
  /** The release date, YYYY-MM-DD. */
  releaseDate: string;
  /** What Apps & Features shows for an MSI: its ProductName, Manufacturer and ProductVersion. */
  arp?: { displayName: string; publisher: string; displayVersion: string };
  installers: readonly WingetInstaller[];
  /** Who wrote the files, for their first comment line ("winship 0.1.0"). */
  generator: string;
}

/** The three documents, as the JSON Schemas see them (YAML is a superset of JSON). */
export function wingetDocuments(m: WingetModel): Record<WingetManifestType, Record<string, unknown>> {
  const id = { PackageIdentifier: m.packageIdentifier, PackageVersion: m.packageVersion };
  const tail = (type: WingetManifestType) => ({ ManifestType: type, ManifestVersion: WINGET_MANIFEST_VERSION });
  return {
    version: { ...id, DefaultLocale: WINGET_LOCALE, ...tail('version') },
    installer: {
      ...id,
      InstallerType: m.installerType,
      ...(m.installerType === 'zip' ? { NestedInstallerType: 'portable' } : {}),
      ...(m.scope ? { Scope: m.scope } : {}),
      // MajorUpgrade replaces the installed version: install over it, no uninstall first.
      ...(m.installerType === 'msi' ? { UpgradeBehavior: 'install' } : {}),
      ReleaseDate: m.releaseDate,
      Installers: m.installers.map((i) => installerEntry(m, i)),
      ...tail('installer'),
    },
    defaultLocale: {
      ...id,
      PackageLocale: WINGET_LOCALE,
      Publisher: m.publisher,
      ...(m.publisherUrl ? { PublisherUrl: m.publisherUrl } : {}),
      PackageName: m.packageName,
      ...(m.packageUrl ? { PackageUrl: m.packageUrl } : {}),
      License: m.license,
      ...(m.licenseUrl ? { LicenseUrl: m.licenseUrl } : {}),
      ...(m.copyright ? { Copyright: m.copyright } : {}),
      ShortDescription: m.shortDescription,
      ...(m.moniker ? { Moniker: m.moniker } : {}),
      ...(m.tags.length ? { Tags: [...m.tags] } : {}),
      ...(m.releaseNotesUrl ? { ReleaseNotesUrl: m.releaseNotesUrl } : {}),
      ...tail('defaultLocale'),
    },
  };
}

function installerEntry(m: WingetModel, i: WingetInstaller): Record<string, unknown> {
  const braced = (guid: string) => `{${guid.replace(/^\{|\}$/g, '').toUpperCase()}}`;
  return {
    Architecture: i.architecture,
    ...(i.commands?.length ? { NestedInstallerFiles: i.commands.map((c) => ({ RelativeFilePath: c.path, PortableCommandAlias: c.alias })) } : {}),
    InstallerUrl: i.url,
    InstallerSha256: i.sha256.toUpperCase(),
    ...(i.productCode ? { ProductCode: braced(i.productCode) } : {}),
    ...(i.productCode && m.arp
      ? {
          AppsAndFeaturesEntries: [
            {
              DisplayName: m.arp.displayName,
              Publisher: m.arp.publisher,
              DisplayVersion: m.arp.displayVersion,
              ProductCode: braced(i.productCode),
              ...(i.upgradeCode ? { UpgradeCode: braced(i.upgradeCode) } : {}),
            },
          ],
        }
      : {}),
  };
}

/** manifests/<first letter>/<each part of the identifier>/<version>, as in winget-pkgs. */
export function wingetFolder(packageIdentifier: string, packageVersion: string): string {
  return `manifests/${packageIdentifier[0]!.toLowerCase()}/${packageIdentifier.split('.').join('/')}/${packageVersion}`;
}

/** The file name of one manifest: Id.yaml, Id.installer.yaml, Id.locale.en-US.yaml. */
export function wingetFileName(packageIdentifier: string, type: WingetManifestType): string {
  return type === 'version' ? `${packageIdentifier}.yaml` : type === 'installer' ? `${packageIdentifier}.installer.yaml` : `${packageIdentifier}.locale.${WINGET_LOCALE}.yaml`;
}

/** The schema each file names on its second line, as winget-pkgs files do (editors check against it). */
export function wingetSchemaUrl(type: WingetManifestType): string {
  return `https://aka.ms/winget-manifest.${type}.${WINGET_MANIFEST_VERSION}.schema.json`;
}

/** One manifest as YAML: the generator and schema comments, then the document, keys in schema order. */
export function renderWingetManifest(type: WingetManifestType, doc: Record<string, unknown>, generator: string): string {
  const body = stringify(doc, { lineWidth: 0, defaultStringType: 'PLAIN', defaultKeyType: 'PLAIN' });
  return `# Created with ${generator}\n# yaml-language-server: $schema=${wingetSchemaUrl(type)}\n\n${body}`;
}

/**
 * A PackageIdentifier from names: Publisher.Package, each part the letters and digits of the
 * name (winget allows more, but spaces and most punctuation not). "" when a part has none.
 */
export function defaultPackageIdentifier(publisher: string, name: string): string {
  const part = (text: string) =>
    text
      .split(/[^A-Za-z0-9]+/)
      .filter(Boolean)
      .map((w) => w[0]!.toUpperCase() + w.slice(1))
      .join('')
      .slice(0, 32);
  const a = part(publisher);
  const b = part(name);
  return a && b ? `${a}.${b}` : '';
}
