// Everything a WiX backend compiles for one package: product.wxs (from the template) and
// payload.wxs (from the harvest), computed from typed options. Pure apart from reading the
// template file.

import { StageError } from '../../util/errors.js';
import { compareOrdinal } from '../../util/compare.js';
import { installerVersion, isWin64, programFilesFolder, type WixArch } from './arch.js';
import { DEFAULT_CODEPAGE, describeChar, unrepresentableChars } from './codepage.js';
import { holdsBinderVariable, wixlCannotEscape } from './escape.js';
import { normaliseGuid, productCode as deriveProductCode, syntheticComponentGuid } from './guid.js';
import {
  findFileComponent,
  harvestTree,
  renderFragment,
  type FragmentOptions,
  type HarvestModel,
  type WixElement,
} from './harvest.js';
import { hashedId } from './ids.js';
import { checkPayloadNames, endsInDotOrSpace, forbiddenNameChars, type PayloadEntry } from './payload.js';
import { renderProductWxs, type TemplateBlock, type TemplateItem, type TemplateValue } from './template.js';

export type InstallScope = 'perMachine' | 'perUser';

export const INSTALL_FOLDER_ID = 'INSTALLFOLDER';
export const COMPONENT_GROUP_ID = 'ProductComponents';
export const PRODUCT_WXS = 'product.wxs';
export const PAYLOAD_WXS = 'payload.wxs';

export interface ShortcutOptions {
  /** Payload file the shortcut starts, e.g. `hello.exe`. */
  target: string;
  /** Shortcut name; default the product name. */
  name?: string;
  /** Tooltip; default the product name. */
  description?: string;
  /** Start-menu folder; default the product name. */
  folderName?: string;
}

export interface ServiceOptions {
  /** Payload file of the service executable; its component receives ServiceInstall/ServiceControl. */
  binary: string;
  /** Service (key) name, e.g. `hello`. */
  name: string;
  displayName?: string;
  description?: string;
  /** Default `auto`. */
  start?: 'auto' | 'demand' | 'disabled';
  /** Account to run as; default LocalSystem (attribute left out). */
  account?: string;
  /** Command-line arguments, an MSI Formatted string. */
  arguments?: string;
}

export interface RegistryValueOptions {
  /** Key below HKLM (per-machine) or HKCU (per-user), e.g. `Software\Acme\Hello`. */
  key: string;
  /** Value name; absent = the key's default value. */
  name?: string;
  /** Default `string`. (wixl 0.101 writes `expandable` as a plain REG_SZ, measured.) */
  type?: 'string' | 'integer' | 'expandable';
  /** An MSI Formatted string: `[INSTALLFOLDER]` expands to the install path. */
  value: string;
}

export interface ProductOptions {
  productName: string;
  manufacturer: string;
  /** MSI ProductVersion (major.minor.build), from toMsiProductVersion. */
  version: string;
  upgradeCode: string;
  /** Default: derived from UpgradeCode, arch and version (guid.ts productCode). */
  productCode?: string;
  arch: WixArch;
  /** Default perMachine. */
  scope?: InstallScope;
  /** Folder under Program Files; default the product name. */
  installDirName?: string;
  /** LCID; default 1033 (English, United States). */
  language?: number;
  /** Database codepage; default DEFAULT_CODEPAGE (1252). Every name and text must fit in it. */
  codepage?: number;
  /** Default "A newer version of [ProductName] is already installed." */
  downgradeErrorMessage?: string;
  shortcut?: ShortcutOptions;
  /** Append the install folder to PATH (system PATH per-machine, user PATH per-user). */
  addToPath?: boolean;
  service?: ServiceOptions;
  registry?: readonly RegistryValueOptions[];
  /** RTF license shown by the InstallDir UI (path as the WiX linker should read it). */
  license?: string;
  /** WixUI_InstallDir dialogs (WiX backends only; needs `license`). */
  installDirUi?: boolean;
  /** Add/Remove Programs' "more information" link (ARPURLINFOABOUT). */
  homepage?: string;
  /** The product's icon in Add/Remove Programs (ARPPRODUCTICON): an .ico, as the backend reads the path. */
  productIcon?: string;
}

export interface BuildWixSourcesOptions extends ProductOptions {
  payload: readonly PayloadEntry[];
  /** Path of a user product template; default wix-templates/product.wxs. */
  template?: string;
  /** How File/@Source is written (wixl needs relative paths). */
  fragment?: FragmentOptions;
  /** Also apply wixl 0.101 limits to names and texts (`$(` cannot be escaped). */
  wixl?: boolean;
  /** The backend splits cabinets itself (native): more than 65,535 files are fine. */
  splitCabinets?: boolean;
}

export interface WixSources {
  /** File name → contents: product.wxs and payload.wxs, compiled together. */
  files: Record<string, string>;
  productCode: string;
  model: HarvestModel;
  /** Things to tell the user (never fatal). */
  warnings: string[];
}

const DEFAULT_DOWNGRADE_MESSAGE = 'A newer version of [ProductName] is already installed.';

/** ServiceInstall + ServiceControl for the component of the service's executable. */
export function serviceElements(service: ServiceOptions): WixElement[] {
  const install: Record<string, string> = {
    Id: hashedId('svi', service.name.toLowerCase()),
    Name: service.name,
    DisplayName: service.displayName ?? service.name,
  };
  if (service.description !== undefined) install.Description = service.description;
  Object.assign(install, { Type: 'ownProcess', Start: service.start ?? 'auto', ErrorControl: 'normal' });
  if (service.account !== undefined) install.Account = service.account;
  if (service.arguments !== undefined) install.Arguments = service.arguments;
  install.Vital = 'yes';
  return [
    { name: 'ServiceInstall', attributes: install },
    {
      name: 'ServiceControl',
      attributes: {
        Id: hashedId('svc', service.name.toLowerCase()),
        Name: service.name,
        Start: 'install',
        Stop: 'both',
        Remove: 'uninstall',
        Wait: 'yes',
      },
    },
  ];
}

/** Every text that ends up in an MSI table, labelled for error messages. */
function tableTexts(o: ProductOptions): Array<[string, string | undefined]> {
  return [
    ['productName', o.productName],
    ['manufacturer', o.manufacturer],
    ['installDirName', o.installDirName],
    ['downgradeErrorMessage', o.downgradeErrorMessage],
    ['homepage', o.homepage],
    ['shortcut.name', o.shortcut?.name],
    ['shortcut.description', o.shortcut?.description],
    ['shortcut.folderName', o.shortcut?.folderName],
    ['service.name', o.service?.name],
    ['service.displayName', o.service?.displayName],
    ['service.description', o.service?.description],
    ['service.account', o.service?.account],
    ['service.arguments', o.service?.arguments],
    ...(o.registry ?? []).flatMap((r, i): Array<[string, string | undefined]> => [
      [`registry[${i}].key`, r.key],
      [`registry[${i}].name`, r.name],
      [`registry[${i}].value`, r.value],
    ]),
  ];
}

function checkOptions(o: BuildWixSourcesOptions, codepage: number): string[] {
  const problems: string[] = [];
  const warnings: string[] = [];
  for (const [label, text] of tableTexts(o)) {
    if (text === undefined) continue;
    if (text.trim() === '') problems.push(`${label} is empty`);
    const missing = unrepresentableChars(text, codepage);
    if (missing.length > 0) {
      problems.push(`${label} "${text}" has characters codepage ${codepage} cannot hold: ${missing.map(describeChar).join(', ')}`);
    }
    if (holdsBinderVariable(text)) problems.push(`${label} "${text}" holds WiX binder variable syntax ("!(loc.", "!(wix.", "!(bind.")`);
    if (o.wixl && wixlCannotEscape(text)) problems.push(`${label} "${text}" holds "$(", which wixl 0.101 cannot escape`);
  }
  const fileNames: Array<[string, string | undefined]> = [
    [o.installDirName === undefined ? 'productName (the default installDirName)' : 'installDirName', o.installDirName ?? o.productName],
    ['shortcut.name', o.shortcut ? (o.shortcut.name ?? o.productName) : undefined],
    ['shortcut.folderName', o.shortcut ? (o.shortcut.folderName ?? o.productName) : undefined],
  ];
  for (const [label, text] of fileNames) {
    if (text !== undefined && (forbiddenNameChars(text).length > 0 || endsInDotOrSpace(text))) {
      problems.push(`${label} "${text}" names a file or folder, so it cannot hold < > : " / \\ | ? * or control characters, or end in a dot or space`);
    }
  }
  if (!/^\d{1,3}\.\d{1,3}\.\d{1,5}$/.test(o.version)) {
    problems.push(`version "${o.version}" is not an MSI ProductVersion (major.minor.build); map it with toMsiProductVersion`);
  }
  if (o.language !== undefined && (!Number.isInteger(o.language) || o.language <= 0 || o.language > 0xffff)) {
    problems.push(`language ${o.language} is not a Windows LCID (e.g. 1033)`);
  }
  if (o.registry) {
    o.registry.forEach((r, i) => {
      if ((r.type ?? 'string') === 'integer' && !/^-?\d+$/.test(r.value)) {
        problems.push(`registry[${i}].value "${r.value}" is not an integer (type integer)`);
      }
      if (/^\\|\\$/.test(r.key)) problems.push(`registry[${i}].key "${r.key}" must not start or end with a backslash`);
    });
    const seen = new Set<string>();
    o.registry.forEach((r, i) => {
      const id = `${r.key.toLowerCase()}|${(r.name ?? '').toLowerCase()}`;
      if (seen.has(id)) problems.push(`registry[${i}] writes ${r.key}\\${r.name ?? '(default)'} a second time`);
      seen.add(id);
    });
  }
  if (o.installDirUi && o.license === undefined) {
    problems.push('installDirUi needs a license (.rtf): WixUI_InstallDir shows a license page and would show a placeholder text');
  }
  if (o.license !== undefined && !o.installDirUi) {
    warnings.push(`license ${o.license} is only shown by the InstallDir UI, which is off: the MSI will not display it`);
  }
  if (problems.length > 0) {
    throw new StageError(`The MSI settings have problems:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
  return warnings;
}

/**
 * The template values and blocks for `options` (documented in wix-templates/README.md).
 * `model` is the harvest of the payload; it provides the shortcut target's File Id.
 */
export function productTemplateData(
  options: ProductOptions,
  model: HarvestModel,
): { vars: Record<string, TemplateValue>; blocks: Record<string, TemplateBlock>; productCode: string } {
  const scope = options.scope ?? 'perMachine';
  const upgradeCode = normaliseGuid(options.upgradeCode, 'UpgradeCode');
  const code = options.productCode
    ? normaliseGuid(options.productCode, 'ProductCode')
    : deriveProductCode({ upgradeCode, version: options.version, arch: options.arch });
  const registryRoot = scope === 'perUser' ? 'HKCU' : 'HKLM';
  const appRegistryKey = `Software\\${options.manufacturer}\\${options.productName}`;
  const vars: Record<string, TemplateValue> = {
    productName: options.productName,
    manufacturer: options.manufacturer,
    productVersion: options.version,
    upgradeCode,
    productCode: code,
    language: options.language ?? 1033,
    codepage: options.codepage ?? DEFAULT_CODEPAGE,
    installerVersion: installerVersion(options.arch, scope),
    installScope: scope,
    programFilesFolder: programFilesFolder(options.arch),
    installFolderId: model.dirRef,
    installDirName: options.installDirName ?? options.productName,
    componentGroup: model.componentGroup,
    win64: isWin64(options.arch) ? 'yes' : 'no',
    downgradeErrorMessage: options.downgradeErrorMessage ?? DEFAULT_DOWNGRADE_MESSAGE,
    registryRoot,
    appRegistryKey,
  };
  const blocks: Record<string, TemplateBlock> = {
    perUser: scope === 'perUser',
    shortcut: options.shortcut !== undefined,
    addToPath: options.addToPath === true,
    registry: (options.registry?.length ?? 0) > 0,
    registryValues: [],
    license: options.license !== undefined,
    installDirUi: options.installDirUi === true,
    homepage: options.homepage !== undefined,
    productIcon: options.productIcon !== undefined,
  };
  if (options.homepage !== undefined) vars.homepageUrl = options.homepage;
  if (options.productIcon !== undefined) vars.productIconFile = options.productIcon;

  if (options.shortcut) {
    const s = options.shortcut;
    const target = findFileComponent(model, s.target);
    if (!target?.file) {
      throw new StageError(`shortcut.target "${s.target}" is not a file of the payload; name one of the installed files, e.g. your .exe.`);
    }
    const name = s.name ?? options.productName;
    const folderName = s.folderName ?? options.productName;
    Object.assign(vars, {
      shortcutName: name,
      shortcutDescription: s.description ?? options.productName,
      shortcutFolderName: folderName,
      shortcutTargetFileId: target.file.id,
      shortcutComponentGuid: syntheticComponentGuid({
        upgradeCode,
        arch: options.arch,
        key: `shortcut|${folderName}|${name}|${registryRoot}\\${appRegistryKey}`,
      }),
    });
  }
  if (options.addToPath) {
    const system = scope === 'perMachine' ? 'yes' : 'no';
    vars.pathSystem = system;
    vars.pathComponentGuid = syntheticComponentGuid({ upgradeCode, arch: options.arch, key: `path|${system}` });
  }
  if (options.registry && options.registry.length > 0) {
    const values = [...options.registry].sort((a, b) => {
      const ka = `${a.key}\\${a.name ?? ''}`.toLowerCase();
      const kb = `${b.key}\\${b.name ?? ''}`.toLowerCase();
      return compareOrdinal(ka, kb);
    });
    blocks.registryValues = values.map(
      (r, i): TemplateItem => ({
        key: r.key,
        hasName: r.name !== undefined,
        ...(r.name !== undefined ? { name: r.name } : {}),
        type: r.type ?? 'string',
        value: r.value,
        keyPath: i === 0 ? 'yes' : 'no',
      }),
    );
    vars.registryComponentGuid = syntheticComponentGuid({
      upgradeCode,
      arch: options.arch,
      key: `registry|${registryRoot}|${values.map((r) => `${r.key}\\${r.name ?? ''}`).join('|')}`,
    });
  }
  if (options.license !== undefined) vars.licenseRtf = options.license;
  return { vars, blocks, productCode: code };
}

/**
 * Checks names and settings, harvests the payload and renders product.wxs + payload.wxs.
 * Throws StageError listing every problem found.
 */
export async function buildWixSources(options: BuildWixSourcesOptions): Promise<WixSources> {
  const codepage = options.codepage ?? DEFAULT_CODEPAGE;
  const warnings = checkOptions(options, codepage);
  checkPayloadNames(options.payload, { codepage, wixl: options.wixl === true, splitCabinets: options.splitCabinets === true });
  const inject: Record<string, WixElement[]> = {};
  if (options.service) {
    if (!options.payload.some((e) => e.kind === 'file' && e.relativePath === options.service!.binary)) {
      throw new StageError(`service.binary "${options.service.binary}" is not a file of the payload; name the service's .exe.`);
    }
    inject[options.service.binary] = serviceElements(options.service);
  }
  const model = harvestTree(options.payload, {
    arch: options.arch,
    upgradeCode: options.upgradeCode,
    dirRef: INSTALL_FOLDER_ID,
    componentGroup: COMPONENT_GROUP_ID,
    inject,
  });
  const { vars, blocks, productCode } = productTemplateData(options, model);
  const product = await renderProductWxs({ ...(options.template ? { template: options.template } : {}), vars, blocks });
  const payload = renderFragment(model, options.fragment ?? {});
  return { files: { [PRODUCT_WXS]: product, [PAYLOAD_WXS]: payload }, productCode, model, warnings };
}
