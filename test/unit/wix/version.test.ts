import { describe, expect, it } from 'vitest';
import { compareMsiVersions, parseSemverOrThrow as parseSemver, toMsiProductVersion, type PrereleaseMapping } from '../../../src/msi/wix/version.js';

describe('toMsiProductVersion', () => {
  it.each<[string, PrereleaseMapping | undefined, string, number]>([
    ['1.2.3', undefined, '1.2.3', 0],
    ['v1.2.3', undefined, '1.2.3', 0],
    ['0.0.0', undefined, '0.0.0', 0],
    ['255.255.65535', undefined, '255.255.65535', 0],
    ['1.2.3+build.7', undefined, '1.2.3', 0],
    ['1.2.3-rc.1', 'strip', '1.2.3', 1],
    ['1.2.4-SNAPSHOT-abc1234', 'strip', '1.2.4', 1],
    ['1.2.3', 'strip', '1.2.3', 0],
    ['1.2.3', 'patch-offset', '1.2.399', 0],
    ['1.2.3-rc.2', 'patch-offset', '1.2.302', 1],
    ['1.2.4-beta.1', 'patch-offset', '1.2.401', 1],
    ['1.2.0-alpha.98', 'patch-offset', '1.2.98', 1],
    ['3.4.654', 'patch-offset', '3.4.65499', 0],
  ])('%s with %s → %s', (input, prerelease, expected, warnings) => {
    const v = toMsiProductVersion(input, prerelease ? { prerelease } : {});
    expect(v.productVersion).toBe(expected);
    expect(v.warnings).toHaveLength(warnings);
  });

  it('strip warns that the final release will not upgrade the stripped one', () => {
    const v = toMsiProductVersion('1.2.3-rc.1', { prerelease: 'strip' });
    expect(v.warnings[0]).toMatch(/"1\.2\.3-rc\.1".*1\.2\.3.*will not upgrade/);
  });

  it('patch-offset keeps pre-releases below their final and above the previous final', () => {
    const order = ['1.2.2', '1.2.3-rc.1', '1.2.3-rc.2', '1.2.3', '1.2.4-beta.1'].map(
      (v) => toMsiProductVersion(v, { prerelease: 'patch-offset' }).productVersion,
    );
    for (let i = 1; i < order.length; i++) expect(compareMsiVersions(order[i - 1]!, order[i]!)).toBe(-1);
  });

  it.each<[string, PrereleaseMapping | undefined, RegExp]>([
    ['1.2.3-rc.1', undefined, /"1\.2\.3-rc\.1" has a pre-release part \("-rc\.1"\).*strip.*patch-offset/s],
    ['1.2.4-SNAPSHOT-abc1234', 'error', /"1\.2\.4-SNAPSHOT-abc1234" has a pre-release part/],
    ['256.0.0', undefined, /"256\.0\.0": major 256 is above the MSI ProductVersion limit 255/],
    ['1.256.0', undefined, /"1\.256\.0": minor 256 is above the MSI ProductVersion limit 255/],
    ['1.2.65536', undefined, /"1\.2\.65536": patch 65536 is above the MSI ProductVersion limit 65535/],
    ['1.2.65536-rc.1', 'strip', /patch 65536 is above the MSI ProductVersion limit 65535/],
    ['1.2.655', 'patch-offset', /"1\.2\.655": patch 655 is above 654/],
    ['1.2.3-SNAPSHOT-abc1234', 'patch-offset', /pre-release number from 1 to 98.*"SNAPSHOT-abc1234" has none/],
    ['1.2.3-rc.99', 'patch-offset', /"rc\.99" has 99/],
    ['1.2.3-rc.0', 'patch-offset', /"rc\.0" has 0/],
    ['1.2', undefined, /"1\.2" is not a semantic version/],
    ['1.2.3.4', undefined, /"1\.2\.3\.4" is not a semantic version/],
    ['01.2.3', undefined, /"01\.2\.3" is not a semantic version/],
    ['1.2.3-rc.01', undefined, /not a semantic version/],
    ['latest', undefined, /"latest" is not a semantic version/],
  ])('%s with %s is refused with a message naming value and limit', (input, prerelease, message) => {
    expect(() => toMsiProductVersion(input, prerelease ? { prerelease } : {})).toThrowError(message);
  });

  it('refuses an unknown mapping', () => {
    expect(() => toMsiProductVersion('1.2.3', { prerelease: 'fourth-field' as PrereleaseMapping })).toThrowError(
      /Unknown pre-release mapping "fourth-field"/,
    );
  });
});

describe('parseSemver', () => {
  it('splits pre-release and build identifiers', () => {
    expect(parseSemver('v10.20.30-rc.1.x+meta.5')).toEqual({
      major: 10,
      minor: 20,
      patch: 30,
      prerelease: ['rc', '1', 'x'],
      build: ['meta', '5'],
    });
  });
});

describe('compareMsiVersions', () => {
  it.each([
    ['1.2.3', '1.2.3', 0],
    ['1.2.3', '1.2.4', -1],
    ['1.10.0', '1.9.9', 1],
    ['1.2.3.9', '1.2.3.1', 0], // the 4th field does not count
  ])('%s vs %s → %d', (a, b, expected) => {
    expect(compareMsiVersions(a, b)).toBe(expected);
  });
});
