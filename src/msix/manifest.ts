// AppxManifest.xml for a full-trust desktop app (a Go executable): Identity, Properties,
// Dependencies (Windows.Desktop, the versions tested), Resources, one Application started as
// Windows.FullTrustApplication with its VisualElements and, for a command-line tool, an app
// execution alias, and the runFullTrust capability. Validated by the tests against Microsoft's
// schemas (schema/vendor/appx/AppxManifest-all.xsd).
//
// The alias is the desktop bridge's (uap3:AppExecutionAlias with desktop:ExecutionAlias, as
// winget's own package declares it): Windows puts `<alias>` on PATH
// (%LOCALAPPDATA%\Microsoft\WindowsApps), and a console program started through it runs in
// the terminal that started it.

import { xmlDocument, type XmlElement } from './xml.js';

export const FOUNDATION_NAMESPACE = 'http://schemas.microsoft.com/appx/manifest/foundation/windows10';
const UAP = 'http://schemas.microsoft.com/appx/manifest/uap/windows10';
const UAP3 = 'http://schemas.microsoft.com/appx/manifest/uap/windows10/3';
const DESKTOP = 'http://schemas.microsoft.com/appx/manifest/desktop/windows10';
const RESCAP = 'http://schemas.microsoft.com/appx/manifest/foundation/windows10/restrictedcapabilities';

/** Identity/@ProcessorArchitecture values winship builds. */
export type MsixArch = 'x64' | 'x86' | 'arm64';

export interface PackageIdentity {
  name: string;
  publisher: string;
  /** Four parts: 1.2.3.0. */
  version: string;
  arch: MsixArch;
}

export interface ManifestModel {
  identity: PackageIdentity;
  displayName: string;
  publisherDisplayName: string;
  description: string;
  /** Install paths (forward slashes) of the logos, in the package. */
  logos: { store: string; square150: string; square44: string };
  minVersion: string;
  maxVersionTested: string;
  /** Resource languages (BCP-47), at least one. */
  languages: readonly string[];
  application: {
    id: string;
    /** Install path of the .exe. */
    executable: string;
    displayName: string;
    description: string;
    backgroundColor: string;
    /** Listed in the Start menu (AppListEntry default) or not (a command-line tool). */
    startMenu: boolean;
    /** App execution alias (e.g. "hello.exe"), or none. */
    alias?: string;
  };
}

/** Paths in the manifest use backslashes. */
const winPath = (path: string) => path.split('/').join('\\');

export function renderManifest(m: ManifestModel): string {
  const app = m.application;
  const prefixes: [string, string][] = [['uap', UAP], ...(app.alias ? ([['uap3', UAP3], ['desktop', DESKTOP]] as [string, string][]) : []), ['rescap', RESCAP]];
  const extensions: XmlElement[] = app.alias
    ? [
        {
          name: 'Extensions',
          children: [
            {
              name: 'uap3:Extension',
              attributes: { Category: 'windows.appExecutionAlias', Executable: winPath(app.executable), EntryPoint: 'Windows.FullTrustApplication' },
              children: [{ name: 'uap3:AppExecutionAlias', children: [{ name: 'desktop:ExecutionAlias', attributes: { Alias: app.alias } }] }],
            },
          ],
        },
      ]
    : [];
  const root: XmlElement = {
    name: 'Package',
    attributes: {
      xmlns: FOUNDATION_NAMESPACE,
      ...Object.fromEntries(prefixes.map(([p, ns]) => [`xmlns:${p}`, ns])),
      IgnorableNamespaces: prefixes.map(([p]) => p).join(' '),
    },
    children: [
      {
        name: 'Identity',
        attributes: { Name: m.identity.name, Publisher: m.identity.publisher, Version: m.identity.version, ProcessorArchitecture: m.identity.arch },
      },
      {
        name: 'Properties',
        children: [
          { name: 'DisplayName', text: m.displayName },
          { name: 'PublisherDisplayName', text: m.publisherDisplayName },
          { name: 'Description', text: m.description },
          { name: 'Logo', text: winPath(m.logos.store) },
        ],
      },
      {
        name: 'Dependencies',
        children: [{ name: 'TargetDeviceFamily', attributes: { Name: 'Windows.Desktop', MinVersion: m.minVersion, MaxVersionTested: m.maxVersionTested } }],
      },
      { name: 'Resources', children: m.languages.map((language) => ({ name: 'Resource', attributes: { Language: language } })) },
      {
        name: 'Applications',
        children: [
          {
            name: 'Application',
            attributes: { Id: app.id, Executable: winPath(app.executable), EntryPoint: 'Windows.FullTrustApplication' },
            children: [
              {
                name: 'uap:VisualElements',
                attributes: {
                  DisplayName: app.displayName,
                  Description: app.description,
                  BackgroundColor: app.backgroundColor,
                  Square150x150Logo: winPath(m.logos.square150),
                  Square44x44Logo: winPath(m.logos.square44),
                  AppListEntry: app.startMenu ? undefined : 'none',
                },
              },
              ...extensions,
            ],
          },
        ],
      },
      { name: 'Capabilities', children: [{ name: 'rescap:Capability', attributes: { Name: 'runFullTrust' } }] },
    ],
  };
  return xmlDocument(root);
}
