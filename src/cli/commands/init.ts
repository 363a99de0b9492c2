import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { isMap, parseDocument } from 'yaml';
import { locateConfig, parseConfig } from '../../config/load.js';
import { readConfigText } from '../../config/read.js';
import { writeFileAtomic } from '../../util/fs.js';

export interface InitResult {
  path: string;
  upgradeCode: string;
  /** created: new release.yaml; added: upgradeCode written into an existing one; kept: it had one. */
  action: 'created' | 'added' | 'kept';
}

/** A random UpgradeCode: made once per product, then fixed forever. */
export function newUpgradeCode(): string {
  return randomUUID().toUpperCase();
}

export function moduleName(goMod: string | undefined, dir: string): string {
  const module = goMod?.match(/^module\s+(\S+)/m)?.[1]?.replace(/^"|"$/g, '');
  // github.com/acme/tool/v2 is "tool": the /vN suffix is Go's major-version path element.
  const parts = (module ?? basename(dir)).split('/').filter(Boolean);
  const name = (parts.length > 1 && /^v\d+$/.test(parts.at(-1)!) ? parts.at(-2) : parts.at(-1)) ?? 'app';
  return name.replace(/[^A-Za-z0-9._-]/g, '-').replace(/^[^A-Za-z0-9]+/, '') || 'app';
}

export function starterConfig(name: string, upgradeCode: string): string {
  return `# yaml-language-server: $schema=https://winship.dev/schema/release.schema.json
# winship release configuration: see "Configuration" in winship's README.
project:
  name: ${JSON.stringify(name)}
  description: ${JSON.stringify(name)}
  vendor: Your Company

builds:
  - main: .
    binary: ${JSON.stringify(name)}
    targets: [windows/amd64, windows/arm64, windows/386]

archives:
  files:
    - README*
    - LICENSE*

msi:
  # Ties every version of this product together (MajorUpgrade). Never change it.
  upgradeCode: ${upgradeCode}
`;
}

/**
 * `release init`: write a starter release.yaml, or add msi.upgradeCode to an existing one
 * (keeping its comments and layout). Running it again changes nothing.
 */
export async function initCommand(cwd: string, config?: string): Promise<InitResult> {
  const path = locateConfig(config, cwd) ?? resolve(cwd, 'release.yaml');
  if (!existsSync(path)) {
    const goMod = await readFile(join(dirname(path), 'go.mod'), 'utf8').catch(() => undefined);
    const upgradeCode = newUpgradeCode();
    await writeFileAtomic(path, starterConfig(moduleName(goMod, dirname(path)), upgradeCode));
    return { path, upgradeCode, action: 'created' };
  }
  const text = await readConfigText(path); // bounded, and never a FIFO: as every command reads it
  const existing = parseConfig(text, basename(path)).msi?.upgradeCode;
  if (existing) return { path, upgradeCode: existing, action: 'kept' };
  const doc = parseDocument(text);
  const upgradeCode = newUpgradeCode();
  const msi = doc.get('msi', true);
  if (isMap(msi)) msi.set('upgradeCode', upgradeCode);
  else doc.set('msi', doc.createNode({ upgradeCode }));
  const pair = isMap(doc.contents) ? doc.contents.items.find((p) => String((p.key as { value?: unknown })?.value ?? p.key) === 'msi') : undefined;
  if (pair?.key && typeof pair.key === 'object') {
    (pair.key as { commentBefore?: string }).commentBefore = ' Windows Installer packages. The upgradeCode ties every version together: never change it.';
  }
  await writeFileAtomic(path, doc.toString());
  parseConfig(doc.toString(), basename(path)); // what we wrote must still be a valid config
  return { path, upgradeCode, action: 'added' };
}
