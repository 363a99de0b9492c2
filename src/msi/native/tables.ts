// PackageModel → the rows of every table, the way WiX's binder writes them: the standard action
// sequences, MajorUpgrade as Upgrade rows + FindRelatedProducts/RemoveExistingProducts and an
// error action for downgrades, one row per file with its version from VERSIONINFO, MsiFileHash
// for unversioned files, the Environment table's prefix flags, service event bits. Pure.

import type { Cell, Table } from '../database/encode.js';
import { TABLES, type TableSpec } from '../database/schema.js';
import { validationTable } from '../database/validation.js';
import type { SummaryInfo } from '../database/summary.js';
import { WORD_COUNT_COMPRESSED, WORD_COUNT_NO_ELEVATION } from '../database/summary.js';
import type { ComponentModel, EnvironmentModel, PackageModel, RegistryValueModel, ServiceControlModel } from './model.js';
import { ShortNames } from './shortNames.js';

/** What the build learned of each payload file (by File Id). */
export interface FileFacts {
  size: number;
  /** From the file's VERSIONINFO: "1.2.3.0" and "1033"; absent for an unversioned file. */
  version?: string;
  language?: string;
  /** MD5 of an unversioned file, as MsiFileHash stores it (four little-endian 32-bit words). */
  md5?: Uint8Array;
}

export interface MediaLayout {
  /** Cabinet stream name ("cab1.cab") and the last File.Sequence it holds. */
  cabinets: { name: string; lastSequence: number }[];
}

export interface TableBuild {
  model: PackageModel;
  /** File Ids in cabinet order: File.Sequence 1, 2, … */
  fileOrder: readonly string[];
  facts: ReadonlyMap<string, FileFacts>;
  media: MediaLayout;
  icons: ReadonlyMap<string, Uint8Array>;
}

const ROOTS = { HKCR: 0, HKCU: 1, HKLM: 2, HKU: 3, HKMU: -1 } as const;
const COMPONENT_64BIT = 256;
const COMPONENT_REGISTRY_KEYPATH = 4;
const FILE_VITAL = 512;
const UPGRADE_MIGRATE_FEATURES = 1;
const UPGRADE_ONLY_DETECT = 2;
const UPGRADE_VERSION_MAX_INCLUSIVE = 512;
/** msidbCustomActionTypeTextData (19): show an error with the Target text and end the install. */
const CUSTOM_ACTION_ERROR = 19;
export const DOWNGRADE_ACTION = 'WixDowngradeDetected';
export const UPGRADE_PROPERTY = 'WIX_UPGRADE_DETECTED';
export const DOWNGRADE_PROPERTY = 'WIX_DOWNGRADE_DETECTED';

const guid = (g: string) => `{${g}}`;

function registryValue(v: RegistryValueModel): string {
  switch (v.type) {
    case 'integer':
      return `#${v.value}`;
    case 'expandable':
      return `#%${v.value}`;
    case 'binary':
      return `#x${v.value}`;
    case 'multiString':
      return v.value.split('\n').join('[~]');
    default:
      // A string that starts with # would read as a typed value: ## is a literal #.
      return v.value.startsWith('#') ? `#${v.value}` : v.value;
  }
}

function environmentName(e: EnvironmentModel): string {
  const action = e.action === 'create' ? '+' : e.action === 'remove' ? '!' : '=';
  return `${action}${e.permanent ? '' : '-'}${e.system ? '*' : ''}${e.name}`;
}

function environmentValue(e: EnvironmentModel): string {
  if (e.part === 'last') return `[~]${e.separator}${e.value}`;
  if (e.part === 'first') return `${e.value}${e.separator}[~]`;
  return e.value;
}

function serviceEvents(s: ServiceControlModel): number {
  const bits = (when: ServiceControlModel['start'], install: number, uninstall: number) =>
    when === 'install' ? install : when === 'uninstall' ? uninstall : when === 'both' ? install | uninstall : 0;
  return bits(s.start, 1, 16) | bits(s.stop, 2, 32) | bits(s.remove, 8, 128);
}

type Seq = [action: string, condition: string | null, sequence: number];

function sequences(m: PackageModel): Record<'InstallExecuteSequence' | 'InstallUISequence' | 'AdminExecuteSequence' | 'AdminUISequence' | 'AdvtExecuteSequence', Seq[]> {
  const has = (pick: (c: ComponentModel) => unknown[]) => m.components.some((c) => pick(c).length > 0);
  const upgrade = m.majorUpgrade !== undefined;
  const services = has((c) => c.services) || has((c) => c.serviceControls);
  const find: Seq[] = upgrade ? [['FindRelatedProducts', null, 25], [DOWNGRADE_ACTION, DOWNGRADE_PROPERTY, 26]] : [];
  const costing: Seq[] = [
    ['LaunchConditions', null, 100],
    ['ValidateProductID', null, 700],
    ['CostInitialize', null, 800],
    ['FileCost', null, 900],
    ['CostFinalize', null, 1000],
    ...(upgrade ? ([['MigrateFeatureStates', null, 1200]] as Seq[]) : []),
  ];
  const execute: Seq[] = [
    ...find,
    ...costing,
    ['InstallValidate', null, 1400],
    ...(upgrade ? ([['RemoveExistingProducts', null, 1401]] as Seq[]) : []),
    ['InstallInitialize', null, 1500],
    ['ProcessComponents', null, 1600],
    ['UnpublishFeatures', null, 1800],
    ...(services ? ([['StopServices', 'VersionNT', 1900], ['DeleteServices', 'VersionNT', 2000]] as Seq[]) : []),
    ['RemoveRegistryValues', null, 2600],
    ['RemoveShortcuts', null, 3200],
    ['RemoveEnvironmentStrings', null, 3300],
    ['RemoveFiles', null, 3500],
    ['RemoveFolders', null, 3600],
    ['CreateFolders', null, 3700],
    ['InstallFiles', null, 4000],
    ['CreateShortcuts', null, 4500],
    ['WriteRegistryValues', null, 5000],
    ['WriteEnvironmentStrings', null, 5200],
    ...(services ? ([['InstallServices', 'VersionNT', 5800], ['StartServices', 'VersionNT', 5900]] as Seq[]) : []),
    ['RegisterUser', null, 6000],
    ['RegisterProduct', null, 6100],
    ['PublishFeatures', null, 6300],
    ['PublishProduct', null, 6400],
    ['InstallFinalize', null, 6600],
  ];
  return {
    InstallExecuteSequence: execute,
    InstallUISequence: [...find, ...costing, ['ExecuteAction', null, 1300]],
    AdminExecuteSequence: [
      ['CostInitialize', null, 800],
      ['FileCost', null, 900],
      ['CostFinalize', null, 1000],
      ['InstallValidate', null, 1400],
      ['InstallInitialize', null, 1500],
      ['InstallAdminPackage', null, 3900],
      ['InstallFiles', null, 4000],
      ['InstallFinalize', null, 6600],
    ],
    AdminUISequence: [
      ['CostInitialize', null, 800],
      ['FileCost', null, 900],
      ['CostFinalize', null, 1000],
      ['ExecuteAction', null, 1300],
    ],
    AdvtExecuteSequence: [
      ['CostInitialize', null, 800],
      ['CostFinalize', null, 1000],
      ['InstallValidate', null, 1400],
      ['InstallInitialize', null, 1500],
      ['CreateShortcuts', null, 4500],
      ['PublishFeatures', null, 6300],
      ['PublishProduct', null, 6400],
      ['InstallFinalize', null, 6600],
    ],
  };
}

/** The Property table: the product's own properties first, then the template's. */
function properties(m: PackageModel): Map<string, string> {
  const p = new Map<string, string>([
    ['Manufacturer', m.product.manufacturer],
    ['ProductCode', guid(m.product.code)],
    ['ProductLanguage', String(m.product.language)],
    ['ProductName', m.product.name],
    ['ProductVersion', m.product.version],
    ['UpgradeCode', guid(m.product.upgradeCode)],
  ]);
  // WiX's InstallScope="perMachine" is ALLUSERS=1; a per-user template sets its own.
  if (m.package.scope === 'perMachine') p.set('ALLUSERS', '1');
  for (const [k, v] of m.properties) p.set(k, v);
  if (m.majorUpgrade) {
    const secure = new Set([...(p.get('SecureCustomProperties')?.split(';').filter(Boolean) ?? []), DOWNGRADE_PROPERTY, UPGRADE_PROPERTY]);
    p.set('SecureCustomProperties', [...secure].sort().join(';'));
  }
  return p;
}

/** Every table of the package, _Validation included. */
export function packageTables(b: TableBuild): Table[] {
  const m = b.model;
  const short = new ShortNames();
  const rows = new Map<TableSpec, Cell[][]>();
  const add = (spec: TableSpec, row: Cell[]) => {
    let list = rows.get(spec);
    if (!list) rows.set(spec, (list = []));
    list.push(row);
  };

  for (const [k, v] of properties(m)) add(TABLES.Property, [k, v]);
  for (const d of m.directories) add(TABLES.Directory, [d.id, d.parent ?? null, d.name === undefined ? (d.id === 'TARGETDIR' ? 'SourceDir' : '.') : short.column(`dir:${d.parent ?? ''}`, d.name)]);

  const sequenceOf = new Map(b.fileOrder.map((id, i) => [id, i + 1]));
  for (const c of m.components) {
    const keyFile = c.files.find((f) => f.keyPath) ?? (c.registry.some((r) => r.keyPath) ? undefined : c.files[0]);
    const keyRegistry = keyFile ? undefined : c.registry.find((r) => r.keyPath);
    const attributes = (c.win64 ? COMPONENT_64BIT : 0) | (keyRegistry ? COMPONENT_REGISTRY_KEYPATH : 0);
    add(TABLES.Component, [c.id, guid(c.guid), c.directory, attributes, null, keyFile?.id ?? keyRegistry?.id ?? null]);
    if (c.createFolder) add(TABLES.CreateFolder, [c.directory, c.id]);
    for (const f of c.files) {
      const facts = b.facts.get(f.id)!;
      add(TABLES.File, [f.id, c.id, short.column(`dir:${c.directory}`, f.name), facts.size, facts.version ?? null, facts.language ?? null, f.vital ? FILE_VITAL : 0, sequenceOf.get(f.id)!]);
      if (facts.md5) {
        const v = new DataView(facts.md5.buffer, facts.md5.byteOffset, 16);
        add(TABLES.MsiFileHash, [f.id, 0, v.getInt32(0, true), v.getInt32(4, true), v.getInt32(8, true), v.getInt32(12, true)]);
      }
    }
    for (const r of c.registry) add(TABLES.Registry, [r.id, ROOTS[r.root], r.key, r.name ?? null, registryValue(r), c.id]);
    for (const s of c.shortcuts) {
      add(TABLES.Shortcut, [s.id, s.directory, short.column(`dir:${s.directory}`, s.name), c.id, s.target, s.arguments ?? null, s.description ?? null, null, s.icon ?? null, s.iconIndex ?? null, null, s.workingDirectory ?? null]);
    }
    for (const r of c.removeFolders) add(TABLES.RemoveFile, [r.id, c.id, null, r.directory, r.on === 'install' ? 1 : r.on === 'uninstall' ? 2 : 3]);
    for (const e of c.environment) add(TABLES.Environment, [e.id, environmentName(e), environmentValue(e), c.id]);
    for (const s of c.services) {
      const type = s.type === 'shareProcess' ? 0x20 : 0x10;
      const start = s.start === 'auto' ? 2 : s.start === 'demand' ? 3 : 4;
      const error = (s.errorControl === 'ignore' ? 0 : s.errorControl === 'critical' ? 3 : 1) | (s.vital ? 0x8000 : 0);
      add(TABLES.ServiceInstall, [s.id, s.name, s.displayName ?? null, type, start, error, null, null, s.account ?? null, s.password ?? null, s.arguments ?? null, c.id, s.description ?? null]);
    }
    for (const s of c.serviceControls) add(TABLES.ServiceControl, [s.id, s.name, serviceEvents(s), s.arguments ?? null, s.wait === undefined ? null : s.wait ? 1 : 0, c.id]);
  }

  for (const f of m.features) {
    const display = f.display === 'hidden' ? 0 : f.display === 'expand' ? 1 : 2;
    add(TABLES.Feature, [f.id, null, f.title ?? null, f.description ?? null, display, f.level, null, 0]);
    for (const c of new Set(f.components)) add(TABLES.FeatureComponents, [f.id, c]);
  }
  b.media.cabinets.forEach((cab, i) => add(TABLES.Media, [i + 1, cab.lastSequence, null, `#${cab.name}`, null, null]));
  if (m.majorUpgrade) {
    const u = m.majorUpgrade;
    add(TABLES.Upgrade, [guid(m.product.upgradeCode), null, m.product.version, null, UPGRADE_MIGRATE_FEATURES | (u.allowSameVersionUpgrades ? UPGRADE_VERSION_MAX_INCLUSIVE : 0), null, UPGRADE_PROPERTY]);
    add(TABLES.Upgrade, [guid(m.product.upgradeCode), m.product.version, null, null, UPGRADE_ONLY_DETECT, null, DOWNGRADE_PROPERTY]);
    add(TABLES.CustomAction, [DOWNGRADE_ACTION, CUSTOM_ACTION_ERROR, null, u.downgradeErrorMessage, null]);
  }
  for (const l of m.launchConditions) add(TABLES.LaunchCondition, [l.condition, l.message]);
  for (const [id, data] of b.icons) add(TABLES.Icon, [id, data]);
  for (const [name, seq] of Object.entries(sequences(m))) for (const s of seq) add(TABLES[name as keyof typeof TABLES], s);

  const tables: Table[] = [...rows].map(([spec, r]) => ({ spec, rows: r }));
  return [...tables, validationTable(tables.map((t) => t.spec))];
}

/** Summary "Template": the platform and the language. */
export function summaryTemplate(arch: 'x86' | 'x64' | 'arm64', language: number): string {
  return `${arch === 'x86' ? 'Intel' : arch === 'x64' ? 'x64' : 'Arm64'};${language}`;
}

export function packageSummary(m: PackageModel, arch: 'x86' | 'x64' | 'arm64', packageCode: string, date: Date, codepage: number): SummaryInfo {
  return {
    codepage,
    title: 'Installation Database',
    subject: m.product.name,
    author: m.product.manufacturer,
    keywords: 'Installer',
    comments: m.package.comments ?? `This installer database contains the logic and data required to install ${m.product.name}.`,
    template: summaryTemplate(arch, m.product.language),
    revision: `{${packageCode}}`,
    created: date,
    pageCount: m.package.installerVersion,
    wordCount: WORD_COUNT_COMPRESSED | (m.package.scope === 'perUser' ? WORD_COUNT_NO_ELEVATION : 0),
    appName: 'winship',
    security: 2,
  };
}
