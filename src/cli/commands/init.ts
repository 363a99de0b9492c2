import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { basename, dirname, relative, resolve } from 'node:path';
import { isMap, parseDocument } from 'yaml';
import { locateConfig, parseConfig } from '../../config/load.js';
import { readConfigText } from '../../config/read.js';
import { discoverProject } from '../../starter/discover.js';
import { renderStarterConfig, type StarterModel } from '../../starter/starterConfig.js';
import { ToolRunner } from '../../tools/runner.js';
import { UsageError } from '../../util/errors.js';
import { writeFileAtomic } from '../../util/fs.js';
import type { CliIo } from '../io.js';

export const initHelp = `Usage: release init [--config release.yaml] [--json]

Writes release.yaml for the Go module in this folder, from what it finds:
  project.name         the module path (github.com/acme/tool/v2 → tool)
  project.description  the main package's doc comment, else the README's first sentence
  project.vendor       the copyright holder in LICENSE, else the git author, else the remote's owner
  project.homepage     the git remote (or the module path) on a forge
  project.license      the licence LICENSE holds (MIT, Apache-2.0, BSD, GPL, MPL, ISC…)
  builds               one per main package (., cmd/*), as built for Windows; ldflags that set
                       the version variables each declares (main.version, main.revision,
                       internal/version.Commit…); gui: true for GUI toolkits; the .ico
  archives, msi        README and LICENSE; a new msi.upgradeCode
  winget, scoop        the download URL of GitHub releases, when the remote is on GitHub
Each guess has a comment saying where it came from; what it could not find is a TODO, which a
snapshot build accepts and a release refuses. Nothing is downloaded or changed but release.yaml.

With a release.yaml already there: adds msi.upgradeCode if it has none (keeping its comments),
and changes nothing else.`;

export interface InitResult {
  path: string;
  upgradeCode: string;
  /** created: new release.yaml; added: upgradeCode written into an existing one; kept: it had one. */
  action: 'created' | 'added' | 'kept';
  /** What was found, when the file was created. */
  model?: StarterModel;
  notes: string[];
}

/** A random UpgradeCode: made once per product, then fixed forever. */
export function newUpgradeCode(): string {
  return randomUUID().toUpperCase();
}

/**
 * `release init`: write release.yaml from what the project holds, or add msi.upgradeCode to an
 * existing one (keeping its comments and layout). Running it again changes nothing.
 */
export async function initCommand(cwd: string, config: string | undefined, signal: AbortSignal): Promise<InitResult> {
  const path = locateConfig(config, cwd) ?? resolve(cwd, 'release.yaml');
  if (!existsSync(path)) {
    const runner = new ToolRunner({ dryRun: false, signal });
    const { model, notes } = await discoverProject(runner, dirname(path), signal);
    const upgradeCode = newUpgradeCode();
    const full: StarterModel = { ...model, upgradeCode };
    const text = renderStarterConfig(full);
    parseConfig(text, basename(path)); // what we write must be a valid config
    await writeFileAtomic(path, text);
    return { path, upgradeCode, action: 'created', model: full, notes };
  }
  const text = await readConfigText(path); // bounded, and never a FIFO: as every command reads it
  const existing = parseConfig(text, basename(path)).msi?.upgradeCode;
  if (existing) return { path, upgradeCode: existing, action: 'kept', notes: [] };
  const doc = parseDocument(text);
  const upgradeCode = newUpgradeCode();
  const msi = doc.get('msi', true);
  if (isMap(msi)) msi.set('upgradeCode', upgradeCode);
  else doc.set('msi', doc.createNode({ upgradeCode }));
  const pair = isMap(doc.contents) ? doc.contents.items.find((p) => String((p.key as { value?: unknown })?.value ?? p.key) === 'msi') : undefined;
  if (pair?.key && typeof pair.key === 'object') {
    (pair.key as { commentBefore?: string }).commentBefore = ' Windows Installer packages. The upgradeCode ties every version together: never change it.';
  }
  parseConfig(doc.toString(), basename(path)); // what we write must still be a valid config
  await writeFileAtomic(path, doc.toString());
  return { path, upgradeCode, action: 'added', notes: [] };
}

/** What init tells the user: what it wrote, each guess and where it came from, and what to run next. */
export function formatInit(r: InitResult, cwd: string): string {
  const shown = relative(cwd, r.path) || r.path;
  if (r.action !== 'created' || !r.model) {
    const what = { created: 'created', added: 'added msi.upgradeCode to', kept: 'kept the msi.upgradeCode already in' }[r.action];
    return `${what} ${r.path}\nmsi.upgradeCode: ${r.upgradeCode}\n`;
  }
  const m = r.model;
  const rows: [string, string, string][] = [
    ['project.name', m.name, 'from the module path'],
    ['project.description', m.description?.value ?? 'TODO', m.description?.from ?? 'not found: write it before a release'],
    ['project.vendor', m.vendor?.value ?? 'TODO', m.vendor?.from ?? 'not found: write it before a release'],
    ...(m.homepage ? [['project.homepage', m.homepage.value, m.homepage.from] as [string, string, string]] : []),
    ...(m.license ? [['project.license', m.license.value, m.license.from] as [string, string, string]] : []),
    ...m.builds.map((b, i): [string, string, string] => [`builds[${i}]`, `${b.binary}.exe from ${b.main}${b.gui ? ' (gui)' : ''}`, b.sets.length ? `ldflags set ${b.sets.join(', ')}` : 'declares no version variable'] as [string, string, string]),
    ...(m.downloadUrl && m.license && m.homepage ? [['winget, scoop', m.downloadUrl, 'GitHub releases of the remote'] as [string, string, string]] : []),
  ];
  const w1 = Math.max(...rows.map((r) => r[0].length));
  const w2 = Math.min(48, Math.max(...rows.map((r) => r[1].length)));
  const lines = [
    `created ${shown}:`,
    ...rows.map(([k, v, from]) => `  ${k.padEnd(w1)}  ${v.padEnd(w2)}  ${from}`),
    `msi.upgradeCode: ${r.upgradeCode} (new: commit it, never change it)`,
    ...r.notes.map((n) => `note: ${n}`),
    '',
    'Next:',
    '  release check              check everything a release needs, building nothing',
    '  release build --dev-cert   build a signed release for this machine (no certificate, no network)',
    '  release verify             check it with osslsigncode, msiinfo and, with Wine, a real install',
    'Before a release: replace what says TODO, tag vX.Y.Z, and add your certificate (sign: in release.yaml).',
  ];
  return `${lines.join('\n')}\n`;
}

export async function initCli(values: Record<string, unknown>, positionals: string[], io: CliIo): Promise<number> {
  if (positionals.length) throw new UsageError(`release init takes no arguments, got ${positionals.map((p) => `"${p}"`).join(' ')} (run it in the module's folder, or give --config PATH)`);
  const r = await initCommand(io.cwd, values.config as string | undefined, io.signal);
  if (values.json) io.stdout.write(`${JSON.stringify({ path: r.path, action: r.action, upgradeCode: r.upgradeCode, ...(r.model ? { found: r.model } : {}), notes: r.notes }, null, 2)}\n`);
  else io.stdout.write(formatInit(r, io.cwd));
  return 0;
}
