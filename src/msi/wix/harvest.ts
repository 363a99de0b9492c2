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
import { StageError } from '../../util/errors.js';
import { isWin64, type WixArch } from './arch.js';
import { componentGuid, componentGuidGenerator, normaliseGuid } from './guid.js';
import { assertWixId, componentId, directoryId, idHash, installedName, normaliseRelativePath, normalisedPathKey, pathKey } from './ids.js';
import { escapePreprocessor, escapeXml } from './escape.js';
import { documentBuilder } from './fxp.js';
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

/** The folder part of a normalised relative path; '' for a path directly in the install folder. */
function parentOf(relativePath: string): string {
  const slash = relativePath.lastIndexOf('/');
  return slash < 0 ? '' : relativePath.slice(0, slash);
}

/** Builds the WiX model of a payload. Pure: same entries and options → same model. */
export function harvestTree(entries: readonly PayloadEntry[], options: HarvestOptions): HarvestModel {
  const dirRef = assertWixId(options.dirRef ?? 'INSTALLFOLDER', 'DirectoryRef Id');
  const componentGroup = assertWixId(options.componentGroup ?? 'ProductComponents', 'ComponentGroup Id');
  const upgradeCode = normaliseGuid(options.upgradeCode, 'UpgradeCode');
  const win64 = options.win64 ?? isWin64(options.arch);
  const guidFor = componentGuidGenerator(upgradeCode, options.arch);

  // Every path once, case-insensitively: two spellings would give two components for one file.
  // Normalised paths and keys are kept by entry index, not in an object per entry: everything
  // made here per payload file outlives the loop, and the garbage collector copies it around.
  const paths: string[] = [];
  const keys: string[] = [];
  const spellingByKey = new Map<string, string>();
  const clashes: string[] = [];
  for (const entry of entries) {
    const relativePath = normaliseRelativePath(entry.relativePath);
    const key = normalisedPathKey(relativePath);
    const seen = spellingByKey.get(key);
    if (seen !== undefined) clashes.push(`${seen} <-> ${relativePath}`);
    else spellingByKey.set(key, relativePath);
    paths.push(relativePath);
    keys.push(key);
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
    const key = normalisedPathKey(relativePath);
    const existing = dirs.get(key);
    if (existing) {
      dirsBySpelling.set(relativePath, existing);
      return existing;
    }
    const parent = ensureDir(parentOf(relativePath));
    const dir: HarvestDirectory = {
      id: directoryId(relativePath),
      name: installedName(lastSegment(relativePath)),
      relativePath,
      components: [],
      directories: [],
    };
    parent.directories.push(dir);
    dirs.set(key, dir);
    dirsBySpelling.set(relativePath, dir);
    return dir;
  };

  // Entry indices in path order. Already in order when the entries come from collectPayload:
  // the sort then only checks that.
  const order = entries.map((_, i) => i).sort((a, b) => comparePaths(paths[a]!, paths[b]!));
  // File components in payload order, and their keys: for the folder check below and `inject`.
  const fileComponents: HarvestComponent[] = [];
  const fileKeys: string[] = [];
  // Sorted siblings are next to each other: remember the last folder instead of a lookup per file.
  let lastParentPath: string | undefined;
  let lastParent = root;
  for (const i of order) {
    const relativePath = paths[i]!;
    const key = keys[i]!;
    if (entries[i]!.kind === 'dir') {
      ensureDir(relativePath);
      continue;
    }
    if (dirs.has(key)) {
      throw new StageError(`Payload path "${relativePath}" is listed both as a file and as a folder.`);
    }
    const parentPath = parentOf(relativePath);
    if (parentPath !== lastParentPath) {
      lastParent = ensureDir(parentPath);
      lastParentPath = parentPath;
    }
    // componentId and fileId hash the same key; hash it once.
    const hash = idHash(key);
    const component: HarvestComponent = {
      id: `cmp${hash}`,
      guid: guidFor(key),
      relativePath,
      win64,
      file: {
        id: `fil${hash}`,
        name: installedName(lastSegment(relativePath)),
        relativePath,
        sourcePath: entries[i]!.sourcePath,
      },
      createFolder: false,
      children: [],
    };
    lastParent.components.push(component);
    fileComponents.push(component);
    fileKeys.push(key);
  }
  // A file path that is also some directory's parent ("a" file + "a/b" file) is caught here.
  for (let i = 0; i < fileKeys.length; i++) {
    if (dirs.has(fileKeys[i]!)) {
      throw new StageError(`Payload path "${fileComponents[i]!.relativePath}" is listed both as a file and as a folder.`);
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

  const injected = Object.entries(options.inject ?? {});
  if (injected.length > 0) {
    const componentsByKey = new Map(fileKeys.map((key, i) => [key, fileComponents[i]!]));
    const missing: string[] = [];
    for (const [relativePath, elements] of injected) {
      const component = componentsByKey.get(pathKey(relativePath));
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
/** Printable ASCII without & < > " ' $: nothing to escape and nothing to refuse (most values). */
const PLAIN_VALUE = /^[^\u0000-\u001f\u007f-\uffff&<>"'$]*$/;
/** Shared by every childless node (File, ComponentRef, ...): the builder only reads it. */
const NO_CHILDREN: readonly FxpNode[] = Object.freeze([]);

type FxpNode = Record<string, unknown>;

/**
 * One attribute value as the builder gets it: escaped here in one pass (escapeXml, shared with
 * the product template) and written by the builder as it is — fast-xml-parser's own entity
 * handling was a quarter of the time of a 50,000-file harvest. `raw` values are already
 * escaped for the WiX preprocessor.
 */
function attrValue(name: string, value: string, raw: boolean): string {
  if (PLAIN_VALUE.test(value)) return value; // one test instead of three for Ids, GUIDs, plain names
  if (XML_UNSAFE.test(value)) {
    throw new StageError(`Attribute ${name}="${JSON.stringify(value).slice(1, -1)}" holds a control character, which WiX sources cannot carry.`);
  }
  return escapeXml(raw ? value : escapePreprocessor(value));
}

function attrs(values: Readonly<Record<string, string>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name in values) out[`@_${name}`] = attrValue(name, values[name]!, false);
  return out;
}

/** A node for the builder (preserveOrder shape); used for the few nodes that are not per file. */
function node(name: string, attributes: Readonly<Record<string, string>>, children: readonly FxpNode[] = NO_CHILDREN): FxpNode {
  const n: FxpNode = { [name]: children };
  if (Object.keys(attributes).length > 0) n[':@'] = attrs(attributes);
  return n;
}

function elementNode(el: WixElement): FxpNode {
  return node(el.name, el.attributes ?? {}, (el.children ?? []).map(elementNode));
}

/** File/@Source of a file, as chosen by the options (already escaped for the preprocessor). */
type SourceOf = (file: HarvestFile) => string;

function sourceResolver(options: FragmentOptions): SourceOf {
  const { sourceRoot, sourceRelativeTo } = options;
  if (sourceRoot !== undefined && sourceRelativeTo !== undefined) {
    // Only a model with files needs a Source: refuse at the first one, as before.
    return () => {
      throw new StageError('renderFragment: give either sourceRoot or sourceRelativeTo, not both.');
    };
  }
  if (sourceRoot !== undefined) {
    const prefix = sourceRoot.replace(/\/+$/, '');
    return (file) => {
      const rel = escapePreprocessor(file.relativePath);
      return prefix === '' ? rel : `${prefix}/${rel}`;
    };
  }
  if (sourceRelativeTo !== undefined) {
    return (file) => escapePreprocessor(path.relative(sourceRelativeTo, file.sourcePath).split(path.sep).join('/'));
  }
  return (file) => escapePreprocessor(file.sourcePath);
}

// The per-file nodes below are object literals with fixed keys rather than node()/attrs(): a
// computed `@_${name}` key per attribute (a new string to look up each time) and a fresh object
// per step were most of the rendering time outside the builder.

function componentNode(component: HarvestComponent, sourceOf: SourceOf): FxpNode {
  const children: FxpNode[] = [];
  const f = component.file;
  if (f) {
    const source = sourceOf(f);
    children.push({
      File: NO_CHILDREN,
      ':@': {
        '@_Id': attrValue('Id', f.id, false),
        '@_Name': attrValue('Name', f.name, false),
        '@_Source': attrValue('Source', source, true),
        '@_KeyPath': 'yes',
      },
    });
  }
  if (component.createFolder) children.push({ CreateFolder: NO_CHILDREN });
  for (const el of component.children) children.push(elementNode(el));
  const id = attrValue('Id', component.id, false);
  const guid = attrValue('Guid', component.guid, false);
  return { Component: children, ':@': component.win64 ? { '@_Id': id, '@_Guid': guid, '@_Win64': 'yes' } : { '@_Id': id, '@_Guid': guid } };
}

function directoryNode(dir: HarvestDirectory, sourceOf: SourceOf): FxpNode {
  return {
    // A getter: the builder asks for a folder's children when it reaches the folder, so its
    // nodes are made just before they are written and are garbage right after. Made up front,
    // the ~350,000 nodes of a 50,000-file tree all lived through the whole build, and the
    // garbage collector kept copying them. (A bad value is then reported when the builder
    // reaches its folder.)
    get Directory() {
      return directoryChildren(dir, sourceOf);
    },
    ':@': { '@_Id': attrValue('Id', dir.id, false), '@_Name': attrValue('Name', dir.name, false) },
  };
}

function directoryChildren(dir: HarvestDirectory, sourceOf: SourceOf): FxpNode[] {
  const children: FxpNode[] = [];
  for (const c of dir.components) children.push(componentNode(c, sourceOf));
  for (const d of dir.directories) children.push(directoryNode(d, sourceOf));
  return children;
}

const builder = documentBuilder(); // attrValue() escapes

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
  return buildXmlDocument('Wix', { xmlns: WIX3_NAMESPACE }, [
    node('Fragment', {}, [node('DirectoryRef', { Id: model.dirRef }, directoryChildren(model.root, sourceResolver(options)))]),
    node('Fragment', {}, [
      {
        // Made when the builder gets here, like a Directory's children (see directoryNode).
        get ComponentGroup() {
          return listComponents(model).map((c): FxpNode => ({ ComponentRef: NO_CHILDREN, ':@': { '@_Id': attrValue('Id', c.id, false) } }));
        },
        ':@': { '@_Id': attrValue('Id', model.componentGroup, false) },
      },
    ]),
  ]);
}
