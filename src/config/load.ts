import { existsSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import type { Document, LineCounter } from 'yaml';
import type { z } from 'zod';
import { problemsOf, UsageError } from '../util/errors.js';
import { parseYaml } from './document.js';
import { configPositions, formatKeyPath, positionOf, type ConfigPositions } from './positions.js';
import { readConfigText } from './read.js';
import { applyDefaults, configSchema, type Config } from './schema.js';

export { formatKeyPath, type ConfigPositions } from './positions.js';

export interface LoadedConfig {
  config: Config;
  /** Absolute path of release.yaml. */
  path: string;
  /** The folder holding release.yaml: relative paths in the config are relative to it. */
  projectDir: string;
  /** dist: relative to projectDir, or absolute as given. */
  distDir: string;
  /** Where each key is written, for checks made after loading. */
  positions: ConfigPositions;
}

/** Where a config's dist folder is: relative to the project, or absolute as given (never joined under it). */
export function distDirOf(config: Pick<Config, 'dist'>, projectDir: string): string {
  return resolve(projectDir, config.dist);
}

export const CONFIG_NAMES = ['release.yaml', 'release.yml'];

/** --config as given, else release.yaml or release.yml in `cwd`, else undefined. */
export function locateConfig(explicit: string | undefined, cwd: string): string | undefined {
  if (explicit) return resolve(cwd, explicit);
  return CONFIG_NAMES.map((name) => resolve(cwd, name)).find((p) => existsSync(p));
}

export async function findConfig(explicit: string | undefined, cwd: string): Promise<string> {
  const found = locateConfig(explicit, cwd);
  if (found) return found;
  throw new UsageError(
    `no release.yaml in ${cwd}: run "release init" to write one for this Go project (it reads go.mod, the main packages and the git remote), or pass --config PATH`,
  );
}

export async function loadConfig(path: string): Promise<LoadedConfig> {
  const text = await readConfigText(path);
  const { config, positions } = parseConfigText(text, basename(path));
  return { config, path, projectDir: dirname(path), distDir: distDirOf(config, dirname(path)), positions };
}

/** Parse and validate release.yaml text. Errors carry `file:line:col: key.path: problem`. */
export function parseConfig(text: string, fileName = 'release.yaml'): Config {
  return parseConfigText(text, fileName).config;
}

/**
 * parseConfig, keeping where each key is written. Every problem is reported at once (a
 * ProblemsError when there are several), at most a screenful of them in the message.
 */
export function parseConfigText(text: string, fileName = 'release.yaml'): { config: Config; positions: ConfigPositions } {
  const parsed = parseYaml(text);
  const { doc, lineCounter } = parsed;
  const at = (offset: number) => {
    const { line, col } = lineCounter.linePos(offset);
    return `${fileName}:${line}:${col}`;
  };
  if (parsed.problems.length) {
    throw configProblems(parsed.problems.map((p) => `${at(p.offset)}: ${p.message}`));
  }
  const result = configSchema.safeParse(parsed.data);
  if (!result.success) {
    const messages = result.error.issues.map((issue) => describeIssue(issue, doc, lineCounter, fileName, parsed.data));
    throw configProblems([...new Set(messages.flatMap((m) => m.split('\n')))]);
  }
  return { config: applyDefaults(result.data), positions: configPositions(doc, lineCounter, fileName) };
}

function configProblems(lines: readonly string[]): Error {
  return problemsOf(lines.map((l) => new UsageError(l)))!;
}

function describeIssue(issue: z.core.$ZodIssue, doc: Document, lc: LineCounter, fileName: string, data: unknown): string {
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
  return `${fileName}:${pos}: ${where}${messageOf(issue, doc, data)}`;
}

function messageOf(issue: z.core.$ZodIssue, doc: Document, data: unknown): string {
  if (issue.code === 'invalid_type') {
    const node = issue.path.length ? doc.getIn(issue.path as unknown[], true) : doc.contents;
    if (node === undefined) return `required ${issue.expected} is missing`;
    return `expected ${issue.expected}, got ${describeValue(valueAt(data, issue.path))}`;
  }
  return issue.message;
}

function valueAt(data: unknown, path: readonly PropertyKey[]): unknown {
  let value = data;
  for (const step of path) value = value !== null && typeof value === 'object' ? (value as Record<PropertyKey, unknown>)[step] : undefined;
  return value;
}

function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'number' && !Number.isFinite(value)) return `a number too large to hold (${value})`;
  if (typeof value === 'object') return 'a mapping';
  const text = JSON.stringify(value);
  return `${typeof value} ${text.length > 60 ? `${text.slice(0, 57)}…"` : text}`;
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
