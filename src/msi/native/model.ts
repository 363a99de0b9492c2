// What a native MSI holds, as the WiX sources say it (src/msi/native/compile.ts reads them):
// the product, its folders, components and their resources, features, upgrade rules. Close to
// the tables, but with no table layout in it: tables.ts turns it into rows.

export type InstallScope = 'perMachine' | 'perUser';
export type RegistryRoot = 'HKCR' | 'HKCU' | 'HKLM' | 'HKU' | 'HKMU';

export interface ProductModel {
  code: string;
  name: string;
  version: string;
  manufacturer: string;
  upgradeCode: string;
  language: number;
  codepage: number;
}

export interface PackageInfo {
  installerVersion: number;
  scope: InstallScope;
  summaryCodepage: number;
  /** The summary's Comments. */
  comments?: string;
}

export interface DirectoryModel {
  id: string;
  parent?: string;
  /** The long name; undefined for a standard folder (ProgramFiles64Folder…) or TARGETDIR. */
  name?: string;
}

export interface FileModel {
  id: string;
  name: string;
  /** Where its bytes are, absolute or relative to the sources' folder. */
  source: string;
  keyPath: boolean;
  vital: boolean;
}

export interface RegistryValueModel {
  id: string;
  root: RegistryRoot;
  key: string;
  name?: string;
  type: 'string' | 'integer' | 'expandable' | 'multiString' | 'binary';
  value: string;
  keyPath: boolean;
}

export interface ShortcutModel {
  id: string;
  directory: string;
  name: string;
  description?: string;
  /** A formatted target, e.g. "[#filXYZ]". */
  target: string;
  arguments?: string;
  workingDirectory?: string;
  icon?: string;
  iconIndex?: number;
}

export interface RemoveFolderModel {
  id: string;
  directory: string;
  on: 'install' | 'uninstall' | 'both';
}

export interface EnvironmentModel {
  id: string;
  name: string;
  value: string;
  action: 'set' | 'create' | 'remove';
  part: 'all' | 'first' | 'last';
  permanent: boolean;
  system: boolean;
  separator: string;
}

export interface ServiceInstallModel {
  id: string;
  name: string;
  displayName?: string;
  description?: string;
  type: 'ownProcess' | 'shareProcess';
  start: 'auto' | 'demand' | 'disabled';
  errorControl: 'ignore' | 'normal' | 'critical';
  account?: string;
  password?: string;
  arguments?: string;
  vital: boolean;
}

export interface ServiceControlModel {
  id: string;
  name: string;
  start?: 'install' | 'uninstall' | 'both';
  stop?: 'install' | 'uninstall' | 'both';
  remove?: 'install' | 'uninstall' | 'both';
  wait?: boolean;
  arguments?: string;
}

export interface ComponentModel {
  id: string;
  guid: string;
  directory: string;
  win64: boolean;
  files: FileModel[];
  registry: RegistryValueModel[];
  shortcuts: ShortcutModel[];
  removeFolders: RemoveFolderModel[];
  environment: EnvironmentModel[];
  services: ServiceInstallModel[];
  serviceControls: ServiceControlModel[];
  createFolder: boolean;
}

export interface FeatureModel {
  id: string;
  title?: string;
  description?: string;
  level: number;
  display?: 'collapse' | 'expand' | 'hidden';
  components: string[];
}

export interface MajorUpgradeModel {
  downgradeErrorMessage: string;
  allowSameVersionUpgrades: boolean;
}

export interface PackageModel {
  product: ProductModel;
  package: PackageInfo;
  /** Property Id → value, in the order given. */
  properties: Map<string, string>;
  majorUpgrade?: MajorUpgradeModel;
  launchConditions: { condition: string; message: string }[];
  directories: DirectoryModel[];
  components: ComponentModel[];
  features: FeatureModel[];
  /** Icon Id → source file. */
  icons: Map<string, string>;
}
