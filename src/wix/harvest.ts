// Harvest: turns a payload list into WiX Directory/Component/File elements.
//
// Rules it follows:
// - one Component per File, the File is its KeyPath (Microsoft "Changing the Component Code":
//   then a component's resources never change while its GUID stays);
// - Ids and GUIDs come from the install-relative path (ids.ts, guid.ts), never from a counter
//   or a random source, so the same tree gives byte-identical output on every run;
// - a folder with nothing in it gets a Component with <CreateFolder/> (its KeyPath is the folder
//   itself; its GUID comes from the folder's path);
// - 64-bit packages put Win64="yes" on every Component: wixl 0.101 honours only that (it
//   ignores Package/@Platform), and it is what WiX's -arch default would write anyway.
// Unlike wixl-heat it writes stable Directory Ids and escapes `&` in Source.

import path from 'node:path';
import { XMLBuilder } from 'fast-xml-parser';
import { StageError } from '../errors.js';
import { isWin64, type WixArch } from './arch.js';
import { componentGuid, componentGuidGenerator, normaliseGuid } from './guid.js';
import { assertWixId, componentId, directoryId, idHash, normaliseRelativePath, pathKey } from './ids.js';
import { escapePreprocessor, escapeXml } from './escape.js';
import { comparePaths, type PayloadEntry } from './payload.js';

export const WIX3_NAMESPACE = 'http://schemas.microsoft.com/wix/2006/wi';

/** A plain XML element, for children injected into a component (ServiceInstall, ...). */
export interface WixElement {
  name: string;
  /** Literal values, in output order; escaping for XML and the WiX preprocessor is done on render. */
  attributes?: Readonly<Record<string, string>>;
  children?: readonly WixElement[];
}

export interface HarvestOptions {
  arch: WixArch;
  upgradeCode: string;
  /** Directory the payload goes into; default `INSTALLFOLDER`. */
  dirRef?: string;
  /** ComponentGroup listing every harvested component; default `ProductComponents`. */
  componentGroup?: string;
  /** Default: true for x64 and arm64. */
  win64?: boolean;
  /**
   * Extra children for the component of a payload file, keyed by the file's relative path.
   * This is how a Windows service lands in the component of its binary: ServiceInstall must sit
   * in the component whose KeyPath is the service's executable.
   */
  inject?: Readonly<Record<string, readonly WixElement[]>>;
}

export interface HarvestFile {
  id: string;
  /** Long file name as installed (NFC). */
  name: string;
  relativePath: string;
  sourcePath: string;
}

export interface HarvestComponent {
  id: string;
  guid: string;
  relativePath: string;
  win64: boolean;
  /** The KeyPath file; absent for a component that only creates its (empty) folder. */
  file?: HarvestFile;
  createFolder: boolean;
  children: WixElement[];
}

export interface HarvestDirectory {
  id: string;
  /** Folder name; '' for the install folder itself. */
  name: string;
  relativePath: string;
  components: HarvestComponent[];
  directories: HarvestDirectory[];
}

export interface HarvestModel {
  dirRef: string;
  componentGroup: string;
  arch: WixArch;
  win64: boolean;
  /** The install folder (Id = dirRef). */
  root: HarvestDirectory;
}

function lastSegment(relativePath: string): string {
  return relativePath.slice(relativePath.lastIndexOf('/') + 1);
}

/** Builds the WiX model of a payload. Pure: same entries and options → same model. */
export function harvestTree(entries: readonly PayloadEntry[], options: HarvestOptions): HarvestModel {
  const dirRef = assertWixId(options.dirRef ?? 'INSTALLFOLDER', 'DirectoryRef Id');
  const componentGroup = assertWixId(options.componentGroup ?? 'ProductComponents', 'ComponentGroup Id');
  const upgradeCode = normaliseGuid(options.upgradeCode, 'UpgradeCode');
  const win64 = options.win64 ?? isWin64(options.arch);
  const guidFor = componentGuidGenerator(upgradeCode, options.arch);

  // Every path once, case-insensitively: two spellings would give two components for one file.
  const byKey = new Map<string, PayloadEntry & { relativePath: string; key: string }>();
  const clashes: string[] = [];
  for (const entry of entries) {
    const relativePath = normaliseRelativePath(entry.relativePath);
    const key = relativePath.normalize('NFC').toLowerCase(); // pathKey, without normalising twice
    const seen = byKey.get(key);
    if (seen) {
      clashes.push(`${seen.relativePath} <-> ${relativePath}`);
      continue;
    }
    byKey.set(key, { ...entry, relativePath, key });
  }
  if (clashes.length > 0) {
    throw new StageError(`The payload lists the same install path more than once (ignoring case):\n${clashes.map((c) => `  - ${c}`).join('\n')}`);
  }

  const root: HarvestDirectory = { id: dirRef, name: '', relativePath: '', components: [], directories: [] };
  const dirs = new Map<string, HarvestDirectory>([['', root]]);
  // Looked up by the path as spelled first (one map hit per file), by its key only when new.
  const dirsBySpelling = new Map<string, HarvestDirectory>([['', root]]);
  const ensureDir = (relativePath: string): HarvestDirectory => {
    const spelled = dirsBySpelling.get(relativePath);
    if (spelled) return spelled;
    const key = pathKey(relativePath);
    const existing = dirs.get(key);
    if (existing) {
      dirsBySpelling.set(relativePath, existing);
      return existing;
    }
    const parentPath = relativePath.includes('/') ? relativePath.slice(0, relativePath.lastIndexOf('/')) : '';
    const parent = ensureDir(parentPath);
    const dir: HarvestDirectory = {
      id: directoryId(relativePath),
      name: lastSegment(relativePath).normalize('NFC'),
      relativePath,
      components: [],
      directories: [],
    };
    parent.directories.push(dir);
    dirs.set(key, dir);
    dirsBySpelling.set(relativePath, dir);
    return dir;
  };

  const sorted = [...byKey.values()].sort((a, b) => comparePaths(a.relativePath, b.relativePath));
  const fileComponents = new Map<string, HarvestComponent>();
  for (const entry of sorted) {
    if (entry.kind === 'dir') {
      ensureDir(entry.relativePath);
      continue;
    }
    if (dirs.has(entry.key)) {
      throw new StageError(`Payload path "${entry.relativePath}" is listed both as a file and as a folder.`);
    }
    const parentPath = entry.relativePath.includes('/') ? entry.relativePath.slice(0, entry.relativePath.lastIndexOf('/')) : '';
    // componentId and fileId hash the same key; hash it once.
    const hash = idHash(entry.key);
    const component: HarvestComponent = {
      id: `cmp${hash}`,
      guid: guidFor(entry.key),
      relativePath: entry.relativePath,
      win64,
      file: {
        id: `fil${hash}`,
        name: lastSegment(entry.relativePath).normalize('NFC'),
        relativePath: entry.relativePath,
        sourcePath: entry.sourcePath,
      },
      createFolder: false,
      children: [],
    };
    ensureDir(parentPath).components.push(component);
    fileComponents.set(entry.key, component);
  }
  // A file path that is also some directory's parent ("a" file + "a/b" file) is caught here.
  for (const [key, component] of fileComponents) {
    if (dirs.has(key)) {
      throw new StageError(`Payload path "${component.relativePath}" is listed both as a file and as a folder.`);
    }
  }

  // Folders that nothing lands in still have to be created.
  for (const dir of dirs.values()) {
    if (dir === root || dir.components.length > 0 || dir.directories.length > 0) continue;
    dir.components.push({
      id: componentId(dir.relativePath),
      guid: componentGuid({ upgradeCode, arch: options.arch, relativePath: dir.relativePath }),
      relativePath: dir.relativePath,
      win64,
      createFolder: true,
      children: [],
    });
  }

  const missing: string[] = [];
  for (const [relativePath, elements] of Object.entries(options.inject ?? {})) {
    const component = fileComponents.get(pathKey(relativePath));
    if (!component) {
      missing.push(relativePath);
      continue;
    }
    component.children.push(...elements);
  }
  if (missing.length > 0) {
    throw new StageError(
      `These paths were given elements to add to their component, but they are not files of the payload: ${missing.join(', ')}`,
    );
  }

  const sortDir = (dir: HarvestDirectory): void => {
    dir.components.sort((a, b) => comparePaths(a.relativePath, b.relativePath));
    dir.directories.sort((a, b) => comparePaths(a.relativePath, b.relativePath));
    dir.directories.forEach(sortDir);
  };
  sortDir(root);
  return { dirRef, componentGroup, arch: options.arch, win64, root };
}

/** Every component of the model in document order (components of a folder, then its subfolders). */
export function listComponents(model: HarvestModel): HarvestComponent[] {
  const out: HarvestComponent[] = [];
  const walk = (dir: HarvestDirectory): void => {
    out.push(...dir.components);
    dir.directories.forEach(walk);
  };
  walk(model.root);
  return out;
}

/** The component whose KeyPath is the payload file `relativePath`, if any. */
export function findFileComponent(model: HarvestModel, relativePath: string): HarvestComponent | undefined {
  const key = pathKey(relativePath);
  return listComponents(model).find((c) => c.file !== undefined && pathKey(c.file.relativePath) === key);
}

// ---------------------------------------------------------------------------------------------
// Rendering

export interface FragmentOptions {
  /**
   * Written verbatim before `/relativePath` in File/@Source, e.g. `$(var.PayloadDir)` (set with
   * `-dPayloadDir=...` / `wixl -D PayloadDir=...`) or `payload` (relative to the tool's working
   * directory — wixl cannot open absolute Sources). Only the relative part is escaped.
   */
  sourceRoot?: string;
  /** Write File/@Source relative to this directory (forward slashes). */
  sourceRelativeTo?: string;
}


// XML 1.0 cannot carry these even as character references; \t \n \r are allowed but an
// attribute value would lose them (attribute-value normalisation), so they are refused too.
const XML_UNSAFE = /[\u0000-\u001f\ufffe\uffff]/;
const NO_RAW: ReadonlySet<string> = new Set();
const RAW_SOURCE: ReadonlySet<string> = new Set(['Source']);

type FxpNode = Record<string, unknown>;

const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;

/**
 * Attribute values, escaped here in one pass (escapeXml, shared with the product template) and
 * written by the builder as they are: fast-xml-parser's own entity handling was a quarter of the
 * time of a 50,000-file harvest.
 */
function attrs(values: Readonly<Record<string, string>>, raw: ReadonlySet<string> = NO_RAW): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name in values) {
    const value = values[name]!;
    if (!PRINTABLE_ASCII.test(value) && XML_UNSAFE.test(value)) {
      throw new StageError(`Attribute ${name}="${JSON.stringify(value).slice(1, -1)}" holds a control character, which WiX sources cannot carry.`);
    }
    out[`@_${name}`] = escapeXml(raw.has(name) ? value : escapePreprocessor(value));
  }
  return out;
}

function node(name: string, attributes: Readonly<Record<string, string>>, children: FxpNode[] = [], raw?: ReadonlySet<string>): FxpNode {
  const n: FxpNode = { [name]: children };
  if (Object.keys(attributes).length > 0) n[':@'] = attrs(attributes, raw);
  return n;
}

function elementNode(el: WixElement): FxpNode {
  return node(el.name, el.attributes ?? {}, (el.children ?? []).map(elementNode));
}

function sourceOf(file: HarvestFile, options: FragmentOptions): string {
  if (options.sourceRoot !== undefined && options.sourceRelativeTo !== undefined) {
    throw new StageError('renderFragment: give either sourceRoot or sourceRelativeTo, not both.');
  }
  if (options.sourceRoot !== undefined) {
    const prefix = options.sourceRoot.replace(/\/+$/, '');
    const rel = escapePreprocessor(file.relativePath);
    return prefix === '' ? rel : `${prefix}/${rel}`;
  }
  if (options.sourceRelativeTo !== undefined) {
    return escapePreprocessor(path.relative(options.sourceRelativeTo, file.sourcePath).split(path.sep).join('/'));
  }
  return escapePreprocessor(file.sourcePath);
}

function componentNode(component: HarvestComponent, options: FragmentOptions): FxpNode {
  const children: FxpNode[] = [];
  if (component.file) {
    const f = component.file;
    children.push(
      node('File', { Id: f.id, Name: f.name, Source: sourceOf(f, options), KeyPath: 'yes' }, [], RAW_SOURCE),
    );
  }
  if (component.createFolder) children.push(node('CreateFolder', {}));
  children.push(...component.children.map(elementNode));
  const attributes: Record<string, string> = { Id: component.id, Guid: component.guid };
  if (component.win64) attributes.Win64 = 'yes';
  return node('Component', attributes, children);
}

function directoryChildren(dir: HarvestDirectory, options: FragmentOptions): FxpNode[] {
  return [
    ...dir.components.map((c) => componentNode(c, options)),
    ...dir.directories.map((d) => node('Directory', { Id: d.id, Name: d.name }, directoryChildren(d, options))),
  ];
}

const builder = new XMLBuilder({
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  format: true,
  indentBy: '  ',
  suppressEmptyNode: true,
  processEntities: false, // attrs() escapes
});

/** Serialises nodes as a UTF-8 XML document: 2-space indent, LF, trailing newline. */
export function buildXmlDocument(rootName: string, rootAttributes: Record<string, string>, children: FxpNode[]): string {
  const doc = [
    { '?xml': [{ '#text': '' }], ':@': { '@_version': '1.0', '@_encoding': 'utf-8' } },
    { [rootName]: children, ':@': Object.fromEntries(Object.entries(rootAttributes).map(([k, v]) => [`@_${k}`, escapeXml(v)])) },
  ];
  return `${(builder.build(doc) as string).trim()}\n`;
}

/**
 * Renders the model as a WiX v3 source with two fragments: the directory tree under
 * DirectoryRef, and the ComponentGroup that references every component (a Feature's
 * ComponentGroupRef pulls in both). fast-xml-parser escapes & < > " ' in attribute values.
 */
export function renderFragment(model: HarvestModel, options: FragmentOptions = {}): string {
  const refs = listComponents(model).map((c) => node('ComponentRef', { Id: c.id }));
  return buildXmlDocument('Wix', { xmlns: WIX3_NAMESPACE }, [
    node('Fragment', {}, [node('DirectoryRef', { Id: model.dirRef }, directoryChildren(model.root, options))]),
    node('Fragment', {}, [node('ComponentGroup', { Id: model.componentGroup }, refs)]),
  ]);
}
