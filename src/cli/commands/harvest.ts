import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { UsageError } from '../../util/errors.js';
import { writeFileAtomic } from '../../util/fs.js';
import { WIX_ARCHES, type WixArch } from '../../msi/wix/arch.js';
import { normaliseGuid } from '../../msi/wix/guid.js';
import { harvestTree, renderFragment } from '../../msi/wix/harvest.js';
import { checkPayloadNames, collectPayload } from '../../msi/wix/payload.js';

export interface HarvestCommandOptions {
  dir: string;
  cwd: string;
  dirRef: string;
  componentGroup: string;
  arch: string;
  include: string[];
  exclude: string[];
  upgradeCode?: string;
  config?: string;
  sourceRoot?: string;
  output?: string;
}

const ARCHES = WIX_ARCHES;

/** The UpgradeCode the component GUIDs derive from: --upgrade-code, else msi.upgradeCode of release.yaml. */
async function upgradeCodeFor(o: HarvestCommandOptions): Promise<string> {
  if (o.upgradeCode) return normaliseGuid(o.upgradeCode, '--upgrade-code');
  const { locateConfig, loadConfig } = await import('../../config/load.js'); // zod + yaml: only when needed
  const path = locateConfig(o.config, o.cwd);
  if (path && existsSync(path)) {
    const code = (await loadConfig(path)).config.msi?.upgradeCode;
    if (code) return normaliseGuid(code, 'msi.upgradeCode');
  }
  throw new UsageError('component GUIDs are derived from the product\'s UpgradeCode: pass --upgrade-code GUID, or run where release.yaml has msi.upgradeCode ("release init" writes one)');
}

/** `release harvest DIR`: a WiX fragment for a folder, our replacement for heat and wixl-heat. */
export async function harvestCommand(o: HarvestCommandOptions): Promise<string> {
  if (!ARCHES.includes(o.arch as WixArch)) throw new UsageError(`--arch: "${o.arch}" is not one of ${ARCHES.join(', ')}`);
  const upgradeCode = await upgradeCodeFor(o);
  const entries = await collectPayload(resolve(o.cwd, o.dir), {
    ...(o.include.length ? { include: o.include } : {}),
    exclude: o.exclude,
  });
  checkPayloadNames(entries);
  const model = harvestTree(entries, { arch: o.arch as WixArch, upgradeCode, dirRef: o.dirRef, componentGroup: o.componentGroup });
  const xml = renderFragment(model, { sourceRoot: o.sourceRoot ?? o.dir.replace(/\\/g, '/').replace(/\/+$/, '') });
  if (o.output) await writeFileAtomic(resolve(o.cwd, o.output), xml);
  return xml;
}
