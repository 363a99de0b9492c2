import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, dirname, resolve } from 'node:path';
import { isMap, isScalar, LineCounter, parseDocument, type Document, type Node } from 'yaml';
import type { z } from 'zod';
import { UsageError } from '../util/errors.js';
import { applyDefaults, configSchema, type Config } from './schema.js';

export interface LoadedConfig {
  config: Config;
  /** Absolute path of release.yaml. */
  path: string;
  /** The folder holding release.yaml: relative paths in the config are relative to it. */
  projectDir: string;
  /** dist: relative to projectDir, or absolute as given. */
  distDir: string;
}

/** Where a config's dist folder is: relative to the project, or absolute as given (never joined under it). */
export function distDirOf(config: Pick<Config, 'dist'>, projectDir: string): string {
  return resolve(projectDir, config.dist);
}

export const CONFIG_NAMES = ['release.yaml', 'release.yml'];

/** `builds[0].targets[1]` */
export function formatKeyPath(path: readonly PropertyKey[]): string {
  return path
    .map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? String(p) : `.${String(p)}`))
    .join('');
}

/** --config as given, else release.yaml or release.yml in `cwd`, else undefined. */
export function locateConfig(explicit: string | undefined, cwd: string): string | undefined {
  if (explicit) return resolve(cwd, explicit);
  return CONFIG_NAMES.map((name) => resolve(cwd, name)).find((p) => existsSync(p));
}

export async function findConfig(explicit: string | undefined, cwd: string): Promise<string> {
  const found = locateConfig(explicit, cwd);
  if (found) return found;
  throw new UsageError(`no release.yaml in ${cwd}; create one (see README "Configuration") or pass --config PATH`);
}

export async function loadConfig(path: string): Promise<LoadedConfig> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new UsageError(`cannot read config ${path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  const config = parseConfig(text, basename(path));
  return { config, path, projectDir: dirname(path), distDir: distDirOf(config, dirname(path)) };
}

/** Parse and validate release.yaml text. Errors carry `file:line:col: key.path: problem`. */
export function parseConfig(text: string, fileName = 'release.yaml'): Config {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length) {
    const messages = doc.errors.map((e) => {
      const { line, col } = lineCounter.linePos(e.pos[0]);
      return `${fileName}:${line}:${col}: ${e.message.split('\n')[0]}`;
    });
    throw new UsageError(messages.join('\n'));
  }
  const data = doc.toJS() ?? {};
  const result = configSchema.safeParse(data);
  if (!result.success) {
    const messages = result.error.issues.map((issue) => describeIssue(issue, doc, lineCounter, fileName));
    throw new UsageError([...new Set(messages)].join('\n'));
  }
  return applyDefaults(result.data);
}

function describeIssue(issue: z.core.$ZodIssue, doc: Document, lc: LineCounter, fileName: string): string {
  if (issue.code === 'unrecognized_keys') {
    return issue.keys
      .map((key) => {
        const path = [...issue.path, key];
        const pos = positionOf(doc, path, lc, true);
        return `${fileName}:${pos}: ${formatKeyPath(path)}: unknown key (allowed here: ${allowedKeys(issue.path).join(', ') || 'none'})`;
      })
      .join('\n');
  }
  const pos = positionOf(doc, issue.path, lc, false);
  const where = issue.path.length ? `${formatKeyPath(issue.path)}: ` : '';
  return `${fileName}:${pos}: ${where}${messageOf(issue, doc)}`;
}

function messageOf(issue: z.core.$ZodIssue, doc: Document): string {
  if (issue.code === 'invalid_type') {
    const node = doc.getIn(issue.path as unknown[], true);
    if (node === undefined) return `required ${issue.expected} is missing`;
    return `expected ${issue.expected}, got ${describeValue(doc.getIn(issue.path as unknown[]))}`;
  }
  return issue.message;
}

function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return `${typeof value} ${JSON.stringify(value)}`;
}

/** line:col of the node at `path`, or of its nearest existing ancestor. */
function positionOf(doc: Document, path: readonly PropertyKey[], lc: LineCounter, atKey: boolean): string {
  for (let len = path.length; len >= 0; len--) {
    const sub = path.slice(0, len) as unknown[];
    let node: Node | undefined;
    if (atKey && len === path.length && len > 0) {
      const parent = sub.length > 1 ? doc.getIn(sub.slice(0, -1), true) : doc.contents;
      if (isMap(parent)) {
        const pair = parent.items.find((p) => (isScalar(p.key) ? p.key.value : p.key) === sub.at(-1));
        node = pair?.key as Node | undefined;
      }
    } else {
      node = (len === 0 ? doc.contents : doc.getIn(sub, true)) as Node | undefined;
    }
    const offset = node?.range?.[0];
    if (offset !== undefined) {
      const { line, col } = lc.linePos(offset);
      return `${line}:${col}`;
    }
  }
  return '1:1';
}

/** Keys allowed at a config path, read from the schema, for "unknown key" hints. */
function allowedKeys(path: readonly PropertyKey[]): string[] {
  let schema: unknown = configSchema;
  for (const step of path) {
    schema = unwrap(schema);
    const def = (schema as { def?: { type?: string; shape?: Record<string, unknown>; element?: unknown } }).def;
    if (typeof step === 'number' && def?.type === 'array') schema = def.element;
    else if (def?.shape && typeof step === 'string') schema = def.shape[step];
    else return [];
  }
  const def = (unwrap(schema) as { def?: { shape?: Record<string, unknown> } }).def;
  return def?.shape ? Object.keys(def.shape) : [];
}

function unwrap(schema: unknown): unknown {
  let s = schema as { def?: { type?: string; innerType?: unknown; in?: unknown; options?: unknown[] } } | undefined;
  for (;;) {
    const t = s?.def?.type;
    if (t === 'default' || t === 'optional' || t === 'nullable' || t === 'prefault') s = s!.def!.innerType as typeof s;
    else if (t === 'pipe') s = s!.def!.in as typeof s;
    else if (t === 'union') s = (s!.def!.options ?? []).find((o) => (o as { def?: { shape?: unknown } }).def?.shape) as typeof s;
    else return s;
  }
}
