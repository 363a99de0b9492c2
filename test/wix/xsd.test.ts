// Generated sources against the WiX v3 schema (xmllint), for every combination of optional blocks.

import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WIX_ARCHES } from '../../src/msi/wix/arch.js';
import { harvestTree, renderFragment } from '../../src/msi/wix/harvest.js';
import type { PayloadEntry } from '../../src/msi/wix/payload.js';
import { productTemplateData, serviceElements, type ProductOptions } from '../../src/msi/wix/sources.js';
import { inlineFragment, renderProductWxs } from '../../src/msi/wix/template.js';
import { hasCommand, tempDir, UPGRADE_CODE, wix3Xsd } from '../fixtures/wix/support.js';

const OPTIONAL = ['perUser', 'shortcut', 'addToPath', 'registry', 'license', 'installDirUi', 'service'] as const;
type Optional = (typeof OPTIONAL)[number];

const payload: PayloadEntry[] = [
  { relativePath: 'hello.exe', sourcePath: '/p/hello.exe', kind: 'file' },
  { relativePath: "docs/R&D it's €.txt", sourcePath: "/p/docs/R&D it's €.txt", kind: 'file' },
  { relativePath: 'data', sourcePath: '/p/data', kind: 'dir' },
];

function optionsFor(on: ReadonlySet<Optional>, index: number): ProductOptions {
  return {
    productName: 'Hello & Co',
    manufacturer: "Acme's",
    version: '1.2.3',
    upgradeCode: UPGRADE_CODE,
    arch: WIX_ARCHES[index % WIX_ARCHES.length]!,
    scope: on.has('perUser') ? 'perUser' : 'perMachine',
    ...(on.has('shortcut') ? { shortcut: { target: 'hello.exe', description: 'Start <Hello>' } } : {}),
    ...(on.has('addToPath') ? { addToPath: true } : {}),
    ...(on.has('registry')
      ? { registry: [{ key: 'Software\\Acme', name: 'InstallDir', value: '[INSTALLFOLDER]' }, { key: 'Software\\Acme', value: 'default' }, { key: 'Software\\Acme', name: 'n', type: 'integer' as const, value: '5' }] }
      : {}),
    ...(on.has('license') ? { license: 'license.rtf' } : {}),
    ...(on.has('installDirUi') ? { installDirUi: true } : {}),
  };
}

// The schema is vendored (test/fixtures/schemas/wix3/), so this never skips.
describe('WiX v3 schema', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let xmllint = false;
  beforeAll(async () => {
    ({ dir, cleanup } = await tempDir());
    xmllint = await hasCommand('xmllint');
  });
  afterAll(async () => cleanup());

  it(`accepts product.wxs + payload.wxs for all ${2 ** OPTIONAL.length} block combinations`, async () => {
    expect(xmllint, 'xmllint comes from libxml2-utils (scripts/setup.sh)').toBe(true);
    const files: string[] = [];
    for (let mask = 0; mask < 2 ** OPTIONAL.length; mask++) {
      const on = new Set(OPTIONAL.filter((_, i) => mask & (1 << i)));
      const options = optionsFor(on, mask);
      const model = harvestTree(payload, {
        arch: options.arch,
        upgradeCode: UPGRADE_CODE,
        ...(on.has('service') ? { inject: { 'hello.exe': serviceElements({ binary: 'hello.exe', name: 'hello', description: 'Says hello', arguments: '--service' }) } } : {}),
      });
      const { vars, blocks } = productTemplateData(options, model);
      const product = await renderProductWxs({ vars, blocks });
      const fragment = renderFragment(model, { sourceRoot: '$(var.PayloadDir)' });
      const name = [...on].join('+') || 'plain';
      await writeFile(path.join(dir, `${mask}-${name}.product.wxs`), product);
      await writeFile(path.join(dir, `${mask}-${name}.payload.wxs`), fragment);
      files.push(`${mask}-${name}.product.wxs`, `${mask}-${name}.payload.wxs`);
      if (mask === 2 ** OPTIONAL.length - 1) {
        await writeFile(path.join(dir, 'single.wxs'), inlineFragment(product, fragment));
        files.push('single.wxs');
      }
    }
    const result = await execa('xmllint', ['--noout', '--schema', wix3Xsd, ...files], { cwd: dir, reject: false });
    expect(result.stderr.split('\n').filter((l) => !l.endsWith(' validates')).join('\n')).toBe('');
    expect(result.exitCode).toBe(0);
    expect(result.stderr.split('\n').filter((l) => l.endsWith(' validates'))).toHaveLength(files.length);
  });

  it('notices an invalid source (the check is not vacuous)', async () => {
    expect(xmllint, 'xmllint comes from libxml2-utils (scripts/setup.sh)').toBe(true);
    const bad = path.join(dir, 'bad.wxs');
    await writeFile(bad, '<?xml version="1.0"?>\n<Wix xmlns="http://schemas.microsoft.com/wix/2006/wi"><Fragment><Component Id="c" Guid="x" Bogus="1"/></Fragment></Wix>\n');
    const result = await execa('xmllint', ['--noout', '--schema', wix3Xsd, bad], { reject: false });
    expect(result.exitCode).not.toBe(0);
  });
});
