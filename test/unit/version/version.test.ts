import { describe, expect, it } from 'vitest';
import { resolveVersion } from '../../../src/version/resolve.js';
import { compareSemver, highestTag, parseSemver, toWindowsFileVersion } from '../../../src/version/semver.js';
import { renderFieldTemplate } from '../../../src/config/template.js';

describe('version resolution', () => {
  const base = { exactTags: [] as string[], shortCommit: 'abc1234' };
  it.each([
    [{ ...base, flag: '2.0.0', exactTags: ['v1.0.0'], configVersion: '0.9.0' }, '2.0.0', 'flag', false],
    [{ ...base, exactTags: ['v1.0.0'], configVersion: '0.9.0' }, '1.0.0', 'tag', false],
    [{ ...base, configVersion: '0.9.0', previousTag: 'v0.8.0' }, '0.9.0', 'config', false],
    [{ ...base, previousTag: 'v1.2.3' }, '1.2.4-SNAPSHOT-abc1234', 'snapshot', true],
    [{ ...base, previousTag: 'v2.0.0-rc.1' }, '2.0.0-rc.1.SNAPSHOT-abc1234', 'snapshot', true],
    [{ ...base }, '0.0.1-SNAPSHOT-abc1234', 'snapshot', true],
    [{ ...base, flag: 'v3.1.4' }, '3.1.4', 'flag', false],
  ])('%#', (inputs, version, source, snapshot) => {
    expect(resolveVersion(inputs)).toEqual({ version, source, snapshot });
  });
  it('a snapshot sorts after the tag it grew from and before the next release', () => {
    for (const [tag, next] of [['v1.2.3', '1.2.4'], ['v2.0.0-rc.1', '2.0.0-rc.2'], ['v2.0.0-rc.1', '2.0.0']]) {
      const snap = parseSemver(resolveVersion({ ...base, previousTag: tag! }).version)!;
      expect(Math.sign(compareSemver(parseSemver(tag!)!, snap)), `${tag} < snapshot`).toBe(-1);
      expect(Math.sign(compareSemver(snap, parseSemver(next!)!)), `snapshot < ${next}`).toBe(-1);
    }
  });

  it('rejects a version that is not semver and says where it came from', () => {
    expect(() => resolveVersion({ ...base, flag: '1.2' })).toThrow('--version "1.2" is not a semantic version');
  });
});

describe('semver', () => {
  it('orders by precedence, pre-releases before releases', () => {
    const sorted = ['1.0.0', '1.0.0-rc.2', '1.0.0-rc.10', '0.9.9', '1.0.0-alpha'].map((v) => parseSemver(v)!).sort(compareSemver);
    expect(sorted.map((v) => [v.major, v.minor, v.patch, v.prerelease.join('.')].join('|'))).toEqual([
      '0|9|9|', '1|0|0|alpha', '1|0|0|rc.2', '1|0|0|rc.10', '1|0|0|',
    ]);
    expect(highestTag(['v1.9.0', 'v1.10.0', 'latest', 'v1.10.0-rc.1'])).toBe('v1.10.0');
  });
  it('maps to four 16-bit Windows version fields', () => {
    expect(toWindowsFileVersion(parseSemver('1.2.3-SNAPSHOT-x')!)).toEqual([1, 2, 3, 0]);
    expect(() => toWindowsFileVersion(parseSemver('70000.0.0')!)).toThrow('major 70000 is above 65535');
  });
});

describe('field templates', () => {
  it('fills known fields and names unknown ones', () => {
    expect(renderFieldTemplate('-X main.v={{.Version}} -X main.c={{ .ShortCommit }}', { Version: '1.0.0', ShortCommit: 'abc' })).toBe('-X main.v=1.0.0 -X main.c=abc');
    expect(() => renderFieldTemplate('{{.Verison}}', { Version: '1' })).toThrow('unknown template field {{.Verison}} (known: {{.Version}})');
    expect(() => renderFieldTemplate('{{Version}}', { Version: '1' })).toThrow('malformed template');
  });
});
