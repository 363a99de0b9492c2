// Reads the WiX v3 sources a package is made from (product.wxs from the template, payload.wxs
// from the harvest) into a PackageModel, for the native backend. It covers the part of WiX the
// templates use (wix-templates/README.md lists it); any other element or attribute is refused,
// by name and place, before anything is built, instead of being dropped from the package.

import { StageError } from '../../util/errors.js';
import { XMLParser } from '../wix/fxp.js';
import { normaliseGuid } from '../wix/guid.js';
import { hashedId, isValidWixId } from '../wix/ids.js';
import { escapePreprocessor } from '../wix/escape.js';
import { listComponents, WIX3_NAMESPACE, type HarvestDirectory, type HarvestModel, type WixElement } from '../wix/harvest.js';
import type {
  ComponentModel,
  DirectoryModel,
  EnvironmentModel,
  FeatureModel,
  PackageModel,
  RegistryRoot,
  RegistryValueModel,
  ServiceControlModel,
  ServiceInstallModel,
} from './model.js';

interface Element {
  name: string;
  attrs: Record<string, string>;
  children: Element[];
  text: string;
  /** Where it is, for messages: "product.wxs: Wix/Product/Directory[2]". */
  where: string;
}

type FxpNode = Record<string, unknown> & { ':@'?: Record<string, string> };

function toElements(nodes: FxpNode[], file: string, parent: string): Element[] {
  const out: Element[] = [];
  const counts = new Map<string, number>();
  for (const node of nodes) {
    const name = Object.keys(node).find((k) => k !== ':@');
    if (!name || name === '#text') continue;
    if (name.startsWith('?')) {
      if (name === '?xml') continue;
      throw new StageError(`${file}: the preprocessor instruction <${name}> is not supported by the native MSI backend; write the value into the template`);
    }
    const n = (counts.get(name) ?? 0) + 1;
    counts.set(name, n);
    const where = `${parent}/${name}${n > 1 ? `[${n}]` : ''}`;
    const raw = node[':@'] ?? {};
    const attrs: Record<string, string> = {};
    for (const [k, v] of Object.entries(raw)) attrs[k.slice(2)] = String(v);
    const kids = (node[name] as FxpNode[]) ?? [];
    const text = kids.map((k) => ('#text' in k ? String(k['#text']) : '')).join('');
    out.push({ name, attrs, children: toElements(kids, file, where), text, where: `${file}: ${where.slice(1)}` });
  }
  return out;
}

/** Undoes the WiX preprocessor's escaping ($$ is a literal $), refusing its variables. */
function preprocess(value: string, where: string, attribute: string): string {
  if (!value.includes('$')) return value;
  let out = '';
  for (let i = 0; i < value.length; i++) {
    if (value[i] === '$' && value[i + 1] === '$') {
      out += '$';
      i++;
    } else if (value[i] === '$' && value[i + 1] === '(') {
      throw new StageError(`${where}: ${attribute}="${value}" uses a preprocessor variable; the native MSI backend has no preprocessor: write the value into the template`);
    } else out += value[i];
  }
  return out;
}

class Reader {
  readonly problems: string[] = [];

  constructor(private readonly el: Element) {}

  /** Fails on any attribute not in `known`. */
  attributes(known: readonly string[]): this {
    for (const a of Object.keys(this.el.attrs)) {
      if (a === 'xmlns' || a.startsWith('xmlns:')) continue;
      if (!known.includes(a)) this.problems.push(`${this.el.where}: attribute ${a} is not supported by the native MSI backend`);
    }
    return this;
  }

  opt(name: string): string | undefined {
    const v = this.el.attrs[name];
    if (v === undefined) return undefined;
    try {
      return preprocess(v, this.el.where, name);
    } catch (err) {
      this.problems.push((err as Error).message);
      return v;
    }
  }

  req(name: string): string {
    const v = this.opt(name);
    if (v === undefined || v === '') {
      this.problems.push(`${this.el.where}: ${name} is required`);
      return '';
    }
    return v;
  }

  id(name = 'Id'): string {
    const v = this.req(name);
    if (v && !isValidWixId(v)) this.problems.push(`${this.el.where}: ${name} "${v}" is not a valid identifier`);
    return v;
  }

  yesNo(name: string, fallback: boolean): boolean {
    const v = this.opt(name);
    if (v === undefined) return fallback;
    if (v !== 'yes' && v !== 'no') this.problems.push(`${this.el.where}: ${name}="${v}" must be yes or no`);
    return v === 'yes';
  }

  int(name: string, fallback?: number): number | undefined {
    const v = this.opt(name);
    if (v === undefined) return fallback;
    if (!/^-?\d+$/.test(v)) {
      this.problems.push(`${this.el.where}: ${name}="${v}" must be an integer`);
      return fallback;
    }
    return Number(v);
  }

  oneOf<T extends string>(name: string, values: readonly T[], fallback: T): T;
  oneOf<T extends string>(name: string, values: readonly T[]): T | undefined;
  oneOf<T extends string>(name: string, values: readonly T[], fallback?: T): T | undefined {
    const v = this.opt(name);
    if (v === undefined) return fallback;
    if (!(values as readonly string[]).includes(v)) {
      this.problems.push(`${this.el.where}: ${name}="${v}" must be one of ${values.join(', ')}`);
      return fallback;
    }
    return v as T;
  }
}

const UNSUPPORTED_HINT: Record<string, string> = {
  UIRef: 'the native backend has no WiX UI dialogs (msi.ui): build with backend "wix" on Windows for dialogs',
  UI: 'the native backend has no WiX UI dialogs (msi.ui): build with backend "wix" on Windows for dialogs',
  WixVariable: 'WiX variables (the license page, msi.license) need the WiX UI: build with backend "wix" on Windows',
  Media: 'the native backend lays out its own embedded cabinets: use <MediaTemplate EmbedCab="yes" />',
  CustomAction: 'custom actions are not supported by the native backend: build with backend "wix"',
  Binary: 'custom actions (and their Binary table) are not supported by the native backend: build with backend "wix"',
};

/**
 * The harvest model as the elements renderFragment writes into payload.wxs (a DirectoryRef tree
 * and the ComponentGroup), without writing and parsing the XML: for a large payload that was
 * most of the WiX reading. Values are escaped for the preprocessor as the XML has them, so both
 * ways read the same.
 */
export function harvestElements(model: HarvestModel): Element {
  const file = 'payload (harvest)';
  const el = (name: string, attrs: Record<string, string>, children: Element[], where: string): Element => ({ name, attrs, children, text: '', where: `${file}: ${where}` });
  const escaped = (values: Readonly<Record<string, string>>) => Object.fromEntries(Object.entries(values).map(([k, v]) => [k, escapePreprocessor(v)]));
  const wixElement = (w: WixElement, where: string): Element => el(w.name, escaped(w.attributes ?? {}), (w.children ?? []).map((c) => wixElement(c, `${where}/${c.name}`)), where);
  const directory = (dir: HarvestDirectory, where: string): Element[] => [
    ...dir.components.map((c) => {
      const at = `${where}/Component[${c.id}]`;
      const children: Element[] = [];
      if (c.file) children.push(el('File', { Id: c.file.id, Name: escapePreprocessor(c.file.name), Source: escapePreprocessor(c.file.sourcePath), KeyPath: 'yes' }, [], `${at}/File`));
      if (c.createFolder) children.push(el('CreateFolder', {}, [], `${at}/CreateFolder`));
      for (const w of c.children) children.push(wixElement(w, `${at}/${w.name}`));
      return el('Component', { Id: c.id, Guid: c.guid, ...(c.win64 ? { Win64: 'yes' } : {}) }, children, at);
    }),
    ...dir.directories.map((d) => el('Directory', { Id: d.id, Name: escapePreprocessor(d.name) }, directory(d, `${where}/Directory[${d.id}]`), `${where}/Directory[${d.id}]`)),
  ];
  const refs = listComponents(model).map((c) => el('ComponentRef', { Id: c.id }, [], `Wix/Fragment[2]/ComponentGroup/ComponentRef[${c.id}]`));
  return el(
    'Wix',
    { xmlns: WIX3_NAMESPACE },
    [
      el('Fragment', {}, [el('DirectoryRef', { Id: model.dirRef }, directory(model.root, 'Wix/Fragment/DirectoryRef'), 'Wix/Fragment/DirectoryRef')], 'Wix/Fragment'),
      el('Fragment', {}, [el('ComponentGroup', { Id: model.componentGroup }, refs, 'Wix/Fragment[2]/ComponentGroup')], 'Wix/Fragment[2]'),
    ],
    'Wix',
  );
}

/**
 * Parses `sources` (file name → WiX v3 XML) into the package they describe, with the payload
 * from `payload` (the harvest) when given instead of from its payload.wxs. `arch` decides
 * nothing here: the sources say it (Win64, ProgramFiles64Folder), the caller checks it.
 */
export function compileWix(sources: Readonly<Record<string, string>>, payload?: HarvestModel): PackageModel {
  const parser = new XMLParser({ preserveOrder: true, ignoreAttributes: false, attributeNamePrefix: '@_', parseAttributeValue: false, parseTagValue: false, trimValues: false, htmlEntities: true });
  const problems: string[] = [];
  const roots: Element[] = [];
  for (const [file, text] of Object.entries(sources).sort(([a], [b]) => (a < b ? -1 : 1))) {
    let parsed: FxpNode[];
    try {
      parsed = parser.parse(text) as FxpNode[];
    } catch (err) {
      throw new StageError(`${file}: not well-formed XML: ${(err as Error).message}`);
    }
    for (const root of toElements(parsed, file, '')) {
      if (root.name !== 'Wix') problems.push(`${root.where}: the root element must be Wix`);
      else if ((root.attrs.xmlns ?? WIX3_NAMESPACE) !== WIX3_NAMESPACE) problems.push(`${root.where}: namespace ${root.attrs.xmlns} is not WiX v3's (${WIX3_NAMESPACE})`);
      roots.push(root);
    }
  }
  if (payload) roots.push(harvestElements(payload));

  const model: PackageModel = {
    product: { code: '', name: '', version: '', manufacturer: '', upgradeCode: '', language: 1033, codepage: 0 },
    package: { installerVersion: 200, scope: 'perMachine', summaryCodepage: 0 },
    properties: new Map(),
    launchConditions: [],
    directories: [],
    components: [],
    features: [],
    icons: new Map(),
  };
  const componentGroups = new Map<string, string[]>();
  const featureGroupRefs: { feature: FeatureModel; group: string; where: string }[] = [];
  const secure = new Set<string>();
  let product: Element | undefined;
  let sawPackage = false;
  let sawMedia = false;

  const read = (el: Element) => new Reader(el);
  const flush = (r: Reader) => problems.push(...r.problems);

  const unsupported = (el: Element, context: string) => {
    const hint = UNSUPPORTED_HINT[el.name];
    problems.push(`${el.where}: <${el.name}> is not supported by the native MSI backend${hint ? `: ${hint}` : ` (in ${context})`}`);
  };

  const component = (el: Element, directory: string): string => {
    const r = read(el).attributes(['Id', 'Guid', 'Win64', 'KeyPath']);
    const c: ComponentModel = {
      id: r.id(),
      guid: '',
      directory,
      win64: r.yesNo('Win64', false),
      files: [],
      registry: [],
      shortcuts: [],
      removeFolders: [],
      environment: [],
      services: [],
      serviceControls: [],
      createFolder: false,
    };
    const guid = r.req('Guid');
    if (guid === '*' || guid === '') problems.push(`${el.where}: Guid must be an explicit GUID (the harvest derives them; "*" would change with the backend)`);
    else {
      try {
        c.guid = normaliseGuid(guid, 'Component/@Guid');
      } catch (err) {
        problems.push(`${el.where}: ${(err as Error).message}`);
      }
    }
    flush(r);
    for (const child of el.children) {
      const cr = read(child);
      switch (child.name) {
        case 'File':
          cr.attributes(['Id', 'Name', 'Source', 'KeyPath', 'Vital']);
          c.files.push({ id: cr.id(), name: cr.req('Name'), source: cr.req('Source'), keyPath: cr.yesNo('KeyPath', false), vital: cr.yesNo('Vital', true) });
          break;
        case 'CreateFolder':
          cr.attributes([]);
          c.createFolder = true;
          break;
        case 'RegistryValue': {
          cr.attributes(['Id', 'Root', 'Key', 'Name', 'Type', 'Value', 'KeyPath', 'Action']);
          if ((cr.opt('Action') ?? 'write') !== 'write') problems.push(`${child.where}: Action="${cr.opt('Action')}": only write is supported`);
          const root = cr.oneOf('Root', ['HKCR', 'HKCU', 'HKLM', 'HKU', 'HKMU'] as const, 'HKLM') as RegistryRoot;
          const key = cr.req('Key');
          const name = cr.opt('Name');
          const v: RegistryValueModel = {
            id: cr.opt('Id') ?? hashedId('reg', `${c.id}|${root}|${key}|${name ?? ''}`.toLowerCase()),
            root,
            key,
            ...(name !== undefined ? { name } : {}),
            type: cr.oneOf('Type', ['string', 'integer', 'expandable', 'multiString', 'binary'] as const, 'string'),
            value: cr.opt('Value') ?? '',
            keyPath: cr.yesNo('KeyPath', false),
          };
          c.registry.push(v);
          break;
        }
        case 'Shortcut': {
          cr.attributes(['Id', 'Name', 'Description', 'Target', 'WorkingDirectory', 'Arguments', 'Icon', 'IconIndex', 'Directory']);
          const description = cr.opt('Description');
          const args = cr.opt('Arguments');
          const wd = cr.opt('WorkingDirectory');
          const icon = cr.opt('Icon');
          const iconIndex = cr.int('IconIndex');
          c.shortcuts.push({
            id: cr.id(),
            directory: cr.opt('Directory') ?? directory,
            name: cr.req('Name'),
            target: cr.req('Target'),
            ...(description !== undefined ? { description } : {}),
            ...(args !== undefined ? { arguments: args } : {}),
            ...(wd !== undefined ? { workingDirectory: wd } : {}),
            ...(icon !== undefined ? { icon } : {}),
            ...(iconIndex !== undefined ? { iconIndex } : {}),
          });
          break;
        }
        case 'RemoveFolder':
          cr.attributes(['Id', 'On', 'Directory']);
          c.removeFolders.push({ id: cr.id(), directory: cr.opt('Directory') ?? directory, on: cr.oneOf('On', ['install', 'uninstall', 'both'] as const, 'uninstall') });
          break;
        case 'Environment': {
          cr.attributes(['Id', 'Name', 'Value', 'Action', 'Part', 'Permanent', 'System', 'Separator']);
          const e: EnvironmentModel = {
            id: cr.id(),
            name: cr.req('Name'),
            value: cr.opt('Value') ?? '',
            action: cr.oneOf('Action', ['set', 'create', 'remove'] as const, 'set'),
            part: cr.oneOf('Part', ['all', 'first', 'last'] as const, 'all'),
            permanent: cr.yesNo('Permanent', false),
            system: cr.yesNo('System', false),
            separator: cr.opt('Separator') ?? ';',
          };
          c.environment.push(e);
          break;
        }
        case 'ServiceInstall': {
          cr.attributes(['Id', 'Name', 'DisplayName', 'Description', 'Type', 'Start', 'ErrorControl', 'Account', 'Password', 'Arguments', 'Vital']);
          const s: ServiceInstallModel = {
            id: cr.id(),
            name: cr.req('Name'),
            type: cr.oneOf('Type', ['ownProcess', 'shareProcess'] as const, 'ownProcess'),
            start: cr.oneOf('Start', ['auto', 'demand', 'disabled'] as const, 'auto'),
            errorControl: cr.oneOf('ErrorControl', ['ignore', 'normal', 'critical'] as const, 'normal'),
            vital: cr.yesNo('Vital', false),
          };
          for (const [attr, key] of [
            ['DisplayName', 'displayName'],
            ['Description', 'description'],
            ['Account', 'account'],
            ['Password', 'password'],
            ['Arguments', 'arguments'],
          ] as const) {
            const v = cr.opt(attr);
            if (v !== undefined) s[key] = v;
          }
          c.services.push(s);
          break;
        }
        case 'ServiceControl': {
          cr.attributes(['Id', 'Name', 'Start', 'Stop', 'Remove', 'Wait', 'Arguments']);
          const when = ['install', 'uninstall', 'both'] as const;
          const s: ServiceControlModel = { id: cr.id(), name: cr.req('Name') };
          const start = cr.oneOf('Start', when);
          const stop = cr.oneOf('Stop', when);
          const remove = cr.oneOf('Remove', when);
          if (start) s.start = start;
          if (stop) s.stop = stop;
          if (remove) s.remove = remove;
          if (cr.opt('Wait') !== undefined) s.wait = cr.yesNo('Wait', true);
          const args = cr.opt('Arguments');
          if (args !== undefined) s.arguments = args;
          c.serviceControls.push(s);
          break;
        }
        default:
          unsupported(child, 'Component');
      }
      flush(cr);
    }
    model.components.push(c);
    return c.id;
  };

  const directoryChildren = (el: Element, directory: string) => {
    for (const child of el.children) {
      if (child.name === 'Directory') directoryElement(child, directory);
      else if (child.name === 'Component') component(child, directory);
      else unsupported(child, el.name);
    }
  };
  const directoryElement = (el: Element, parent: string | undefined) => {
    const r = read(el).attributes(['Id', 'Name']);
    const d: DirectoryModel = { id: r.id() };
    if (parent !== undefined) d.parent = parent;
    const name = r.opt('Name');
    if (name !== undefined && !(d.id === 'TARGETDIR' && name === 'SourceDir')) d.name = name;
    if (d.id === 'TARGETDIR' && parent !== undefined) problems.push(`${el.where}: TARGETDIR must be the root directory`);
    flush(r);
    model.directories.push(d);
    directoryChildren(el, d.id);
  };

  const feature = (el: Element) => {
    const r = read(el).attributes(['Id', 'Title', 'Level', 'Description', 'Display']);
    const f: FeatureModel = { id: r.id(), level: r.int('Level', 1)!, components: [] };
    const title = r.opt('Title');
    const description = r.opt('Description');
    if (title !== undefined) f.title = title;
    if (description !== undefined) f.description = description;
    const display = r.oneOf('Display', ['collapse', 'expand', 'hidden'] as const);
    if (display) f.display = display;
    flush(r);
    for (const child of el.children) {
      const cr = read(child).attributes(['Id']);
      if (child.name === 'ComponentRef') f.components.push(cr.id());
      else if (child.name === 'ComponentGroupRef') featureGroupRefs.push({ feature: f, group: cr.id(), where: child.where });
      else unsupported(child, 'Feature');
      flush(cr);
    }
    model.features.push(f);
  };

  const productLevel = (el: Element, inFragment: boolean) => {
    for (const child of el.children) {
      const r = read(child);
      switch (child.name) {
        case 'Package': {
          if (inFragment) {
            unsupported(child, 'Fragment');
            break;
          }
          sawPackage = true;
          r.attributes(['InstallerVersion', 'Compressed', 'InstallScope', 'SummaryCodepage', 'Comments']);
          if (!r.yesNo('Compressed', true)) problems.push(`${child.where}: Compressed="no" is not supported: the native backend embeds its files`);
          model.package.installerVersion = r.int('InstallerVersion', 200)!;
          model.package.scope = r.oneOf('InstallScope', ['perMachine', 'perUser'] as const, 'perMachine');
          model.package.summaryCodepage = r.int('SummaryCodepage', 0)!;
          const comments = r.opt('Comments');
          if (comments !== undefined) model.package.comments = comments;
          break;
        }
        case 'Property': {
          r.attributes(['Id', 'Value', 'Secure']);
          const id = r.id();
          model.properties.set(id, r.opt('Value') ?? child.text);
          if (r.yesNo('Secure', false)) secure.add(id);
          break;
        }
        case 'MajorUpgrade':
          r.attributes(['DowngradeErrorMessage', 'AllowSameVersionUpgrades', 'Schedule']);
          if ((r.opt('Schedule') ?? 'afterInstallValidate') !== 'afterInstallValidate') problems.push(`${child.where}: Schedule="${r.opt('Schedule')}": the native backend removes the old version after InstallValidate only`);
          model.majorUpgrade = { downgradeErrorMessage: r.req('DowngradeErrorMessage'), allowSameVersionUpgrades: r.yesNo('AllowSameVersionUpgrades', false) };
          break;
        case 'MediaTemplate':
          // CompressionLevel is accepted: every cabinet is MSZIP at zlib's highest level.
          r.attributes(['EmbedCab', 'CompressionLevel']);
          if (!r.yesNo('EmbedCab', false)) problems.push(`${child.where}: EmbedCab must be yes: the native backend embeds its cabinets`);
          sawMedia = true;
          break;
        case 'Condition':
          r.attributes(['Message']);
          model.launchConditions.push({ condition: child.text.trim(), message: r.req('Message') });
          break;
        case 'Icon':
          r.attributes(['Id', 'SourceFile']);
          model.icons.set(r.id(), r.req('SourceFile'));
          break;
        case 'Directory':
          flush(r);
          directoryElement(child, undefined);
          break;
        case 'DirectoryRef':
          r.attributes(['Id']);
          directoryChildren(child, r.id());
          break;
        case 'ComponentGroup': {
          r.attributes(['Id', 'Directory']);
          const id = r.id();
          const dir = r.opt('Directory');
          const members: string[] = [];
          for (const g of child.children) {
            const gr = read(g).attributes(['Id']);
            if (g.name === 'ComponentRef') members.push(gr.id());
            else if (g.name === 'Component' && dir) members.push(component(g, dir));
            else unsupported(g, 'ComponentGroup');
            flush(gr);
          }
          componentGroups.set(id, [...(componentGroups.get(id) ?? []), ...members]);
          break;
        }
        case 'Feature':
          flush(r);
          feature(child);
          break;
        default:
          unsupported(child, inFragment ? 'Fragment' : 'Product');
      }
      flush(r);
    }
  };

  for (const root of roots) {
    for (const child of root.children) {
      if (child.name === 'Product') {
        if (product) problems.push(`${child.where}: a second Product`);
        product = child;
        const r = read(child).attributes(['Id', 'Name', 'Language', 'Codepage', 'Version', 'Manufacturer', 'UpgradeCode']);
        model.product = {
          code: guidOf(r, 'Id', child.where, problems),
          name: r.req('Name'),
          version: r.req('Version'),
          manufacturer: r.req('Manufacturer'),
          upgradeCode: guidOf(r, 'UpgradeCode', child.where, problems),
          language: r.int('Language', 1033)!,
          codepage: r.int('Codepage', 0)!,
        };
        flush(r);
        productLevel(child, false);
      } else if (child.name === 'Fragment') {
        productLevel(child, true);
      } else unsupported(child, 'Wix');
    }
  }
  if (!product) problems.push('no <Product> element in the sources');
  if (product && !sawPackage) problems.push(`${product.where}: no <Package>`);
  if (product && !sawMedia) problems.push(`${product.where}: no <MediaTemplate EmbedCab="yes" />`);

  for (const ref of featureGroupRefs) {
    const members = componentGroups.get(ref.group);
    if (!members) problems.push(`${ref.where}: ComponentGroup "${ref.group}" is not defined`);
    else ref.feature.components.push(...members);
  }
  const known = new Set(model.components.map((c) => c.id));
  for (const f of model.features) for (const c of f.components) if (!known.has(c)) problems.push(`Feature ${f.id}: ComponentRef "${c}" is not defined`);
  if (secure.size) model.properties.set('SecureCustomProperties', [...(model.properties.get('SecureCustomProperties')?.split(';') ?? []), ...secure].join(';'));
  if (problems.length) throw new StageError(`The WiX sources ask for what the native MSI backend does not build:\n${[...new Set(problems)].map((p) => `  - ${p}`).join('\n')}`);
  return model;
}

function guidOf(r: Reader, attr: string, where: string, problems: string[]): string {
  const v = r.req(attr);
  if (!v) return '';
  if (v === '*') {
    problems.push(`${where}: ${attr}="*" is not supported: give the GUID (winship derives it)`);
    return '';
  }
  try {
    return normaliseGuid(v, `Product/@${attr}`);
  } catch (err) {
    problems.push(`${where}: ${(err as Error).message}`);
    return '';
  }
}
