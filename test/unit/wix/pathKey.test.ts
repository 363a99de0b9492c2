import { describe, expect, it } from 'vitest';
import { componentGuid, syntheticComponentGuid } from '../../../src/msi/wix/guid.js';
import { findFileComponent, harvestTree, listComponents } from '../../../src/msi/wix/harvest.js';
import { componentId, directoryId, fileId, normaliseRelativePath, normalisedPathKey, pathKey } from '../../../src/msi/wix/ids.js';
import { findNameProblems, type PayloadEntry } from '../../../src/msi/wix/payload.js';

// One key of an install path (ids.ts pathKey / normalisedPathKey) behind the Ids, the component
// GUIDs, the harvest's duplicate check and the payload's case-twin check: spellings that one of
// them treats as the same file, all of them do.

const UPGRADE_CODE = '6E1F3C2A-9B7D-4E8F-A1B2-C3D4E5F60718';
const file = (relativePath: string): PayloadEntry => ({ relativePath, sourcePath: `/stage/${relativePath}`, kind: 'file' });

/** Spellings of one installed file: case, separators noise, NFC vs NFD (macOS). */
const SAME_FILE: Record<string, readonly string[]> = {
  'docs/readme.txt': ['Docs/Readme.TXT', 'docs/readme.txt', './DOCS//README.txt'],
  'café/résumé.txt': ['Caf\u00e9/R\u00e9sum\u00e9.txt', 'Cafe\u0301/Re\u0301sume\u0301.TXT', 'CAF\u00c9/RE\u0301SUM\u00c9.txt'],
};
const groups = Object.entries(SAME_FILE);

describe('the key of an install path', () => {
  it.each(groups)('is %j for every spelling, normalised first or not', (key, spellings) => {
    for (const s of spellings) {
      expect(pathKey(s)).toBe(key);
      expect(normalisedPathKey(normaliseRelativePath(s))).toBe(key);
    }
  });

  it('gives the Ids and component GUID it gave before (golden)', () => {
    for (const s of SAME_FILE['docs/readme.txt']!) {
      expect(fileId(s)).toBe('fil1A6752807AD0328EA9730AE655F032D8');
      expect(componentId(s)).toBe('cmp1A6752807AD0328EA9730AE655F032D8');
      expect(directoryId(s)).toBe('dir1A6752807AD0328EA9730AE655F032D8');
      expect(componentGuid({ upgradeCode: UPGRADE_CODE, arch: 'x64', relativePath: s })).toBe('DC412CCF-D783-5FB2-9056-A5C90F8EFE8B');
      expect(componentGuid({ upgradeCode: UPGRADE_CODE, arch: 'x86', relativePath: s })).toBe('4886C32E-E9CE-59A0-B213-5EA05F726584');
    }
    expect(componentGuid({ upgradeCode: UPGRADE_CODE, arch: 'x64', relativePath: 'Cafe\u0301/x' })).toBe('742E75A4-21AE-5CD8-8956-E2F50A392C10');
    expect(componentGuid({ upgradeCode: UPGRADE_CODE, arch: 'x64', relativePath: 'CAF\u00c9/X' })).toBe('742E75A4-21AE-5CD8-8956-E2F50A392C10');
  });

  it.each(groups)('%j: the harvest gives each spelling the Ids and GUID of the others', (_key, spellings) => {
    for (const s of spellings) {
      const model = harvestTree([file(s)], { arch: 'x64', upgradeCode: UPGRADE_CODE });
      const [component] = listComponents(model);
      for (const other of spellings) {
        expect(component!.id).toBe(componentId(other));
        expect(component!.file!.id).toBe(fileId(other));
        expect(component!.guid).toBe(componentGuid({ upgradeCode: UPGRADE_CODE, arch: 'x64', relativePath: other }));
        expect(findFileComponent(model, other)).toBe(component);
      }
      // The folder the file is in: one Directory, whose Id any spelling of the folder gives.
      const folder = model.root.directories[0]!;
      for (const other of spellings) expect(folder.id).toBe(directoryId(normaliseRelativePath(other).split('/')[0]!));
    }
  });

  it.each(groups)('%j: the harvest refuses two spellings, and the name check reports them as case twins', (_key, spellings) => {
    for (const a of spellings) {
      for (const b of spellings) {
        if (normaliseRelativePath(a) === normaliseRelativePath(b)) continue;
        expect(() => harvestTree([file(a), file(b)], { arch: 'x64', upgradeCode: UPGRADE_CODE })).toThrowError(/more than once \(ignoring case\)/);
        // An untidy spelling (./DOCS//README.txt) is refused for its shape, before any twin check.
        const untidy = [a, b].filter((p) => p !== normaliseRelativePath(p));
        const rules = findNameProblems([file(a), file(b)]).map((p) => p.rule);
        if (untidy.length === 0) expect(rules.filter((r) => r === 'case-duplicate')).toHaveLength(1);
        else expect(rules).toEqual(expect.arrayContaining(['dot-segment', 'empty-segment']));
      }
    }
  });

  it('keeps a backslash as part of a name: docs\\readme.txt is another path (and the name check refuses it)', () => {
    expect(pathKey('docs\\readme.txt')).toBe('docs\\readme.txt');
    expect(fileId('docs\\readme.txt')).not.toBe(fileId('Docs/Readme.TXT'));
    const problems = findNameProblems([file('Docs/Readme.TXT'), file('docs\\readme.txt')]);
    expect(problems.map((p) => p.rule)).toEqual(['backslash']);
  });

  it('installs a name in the form the codepage check checks (NFC)', () => {
    const nfd = 'Cafe\u0301.txt'; // U+0301 alone is not in codepage 1252; é (U+00E9) is
    expect(findNameProblems([file(nfd)], { codepage: 1252 })).toEqual([]);
    const [component] = listComponents(harvestTree([file(nfd)], { arch: 'x64', upgradeCode: UPGRADE_CODE }));
    expect(component!.file!.name).toBe('Caf\u00e9.txt');
  });

  it('folds the key of a synthetic component the same way, in the same name space (":" + key)', () => {
    const guid = (key: string) => syntheticComponentGuid({ upgradeCode: UPGRADE_CODE, arch: 'arm64', key });
    expect(guid('StartMenu')).toBe('2B8B3495-566B-5CAC-BF5D-114086D302DA'); // golden, from before
    expect(guid('startmenu')).toBe(guid('StartMenu'));
    expect(guid('Cafe\u0301')).toBe(guid('CAF\u00c9'));
    expect(guid('StartMenu')).toBe(componentGuid({ upgradeCode: UPGRADE_CODE, arch: 'arm64', relativePath: ':startmenu' }));
  });
});
