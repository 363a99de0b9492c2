import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../src/config/load.js';
import { releaseJsonSchema } from '../../../src/config/schema.js';
import { repoRoot } from '../../support/paths.js';

const errorOf = (text: string) => {
  try {
    parseConfig(text);
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error('expected a config error');
};

describe('release.yaml validation', () => {
  it('fills defaults: id and binary from the project, all three targets, asInvoker', () => {
    const c = parseConfig('project:\n  name: tool\nbuilds:\n  - {}\n');
    expect(c.dist).toBe('dist');
    expect(c.builds[0]).toMatchObject({
      id: 'tool',
      binary: 'tool',
      main: '.',
      targets: ['windows/amd64', 'windows/arm64', 'windows/386'],
      gui: false,
      buildvcs: false,
      resources: { disabled: false, executionLevel: 'asInvoker' },
    });
  });

  it.each([
    ['project:\n  name: x\nbuilds:\n  - targets: [windows/amd64, windows/mips]\n', 'release.yaml:4:30: builds[0].targets[1]: "windows/mips" is not a supported target (supported: windows/amd64, windows/arm64, windows/386)'],
    ['project:\n  name: x\n  colour: red\nbuilds: [{}]\n', 'release.yaml:3:3: project.colour: unknown key (allowed here: name, description, vendor, homepage, license, copyright)'],
    ['project:\n  name: x\nbuilds:\n  - gui: "yes"\n', 'release.yaml:4:10: builds[0].gui: expected boolean, got string "yes"'],
    ['project:\n  name: x\nbuilds: []\n', 'release.yaml:3:9: builds: needs at least one build'],
    ['builds: [{}]\n', 'release.yaml:1:1: project: required object is missing'],
    ['project:\n  name: x\nbuilds:\n  - resources:\n      executionLevel: admin\n', 'release.yaml:5:23: builds[0].resources.executionLevel: "admin" is not a supported execution level (supported: asInvoker, highestAvailable, requireAdministrator)'],
    ['project:\n  name: x\nbuilds:\n  - flags: [-o, out]\n', 'release.yaml:4:12: builds[0].flags: must not contain -o, -ldflags, -tags, -trimpath, -buildvcs'],
    ['project:\n  name: x\nbuilds:\n  - ldflags: -X main.v={{.Versoin}}\n', 'release.yaml:4:14: builds[0].ldflags: unknown template field {{.Versoin}} (known: {{.Version}}, {{.Commit}}, {{.ShortCommit}}, {{.Date}}, {{.ProjectName}})'],
    ['project:\n  name: x\nbuilds: [{}]\nmsi:\n  scope: perUser\n', 'release.yaml:5:3: msi: an MSI must name its manufacturer: set project.vendor or msi.manufacturer'],
    ['project:\n  name: x\nbuilds:\n  - flags: ["--trimpath=false"]\n', 'release.yaml:4:12: builds[0].flags: must not contain -o, -ldflags, -tags, -trimpath, -buildvcs'],
    ['project:\n  name: x\nbuilds:\n  - {}\n  - {}\n', 'release.yaml:5:5: builds[1]: duplicate build id "x" (also builds[0])'],
    ['project:\n  name: x\nversion: one\nbuilds: [{}]\n', 'release.yaml:3:10: version: "one" is not a semantic version'],
    ['project:\n  name: "my app"\nbuilds: [{}]\n', 'release.yaml:2:9: project.name: must be letters, digits'],
    ['project:\n  name: x\n  name: y\nbuilds: [{}]\n', 'release.yaml:3:3: Map keys must be unique'],
    ['project: [\n', 'release.yaml:2:1:'],
  ])('%#: %j', (text, expected) => {
    expect(errorOf(text)).toContain(expected);
  });

  it('reports every problem, not just the first', () => {
    const msg = errorOf('project:\n  name: x\n  bogus: 1\nbuilds:\n  - gui: 3\n    targets: [windows/ppc]\n');
    expect(msg.split('\n')).toHaveLength(3);
  });

  it('the committed JSON Schema is generated from the same source (npm run schema)', () => {
    const committed = JSON.parse(readFileSync(join(repoRoot, 'schema', 'release.schema.json'), 'utf8'));
    expect(committed).toEqual(releaseJsonSchema());
    const targets = committed.properties.builds.items.properties.targets;
    expect(targets.items.enum).toEqual(['windows/amd64', 'windows/arm64', 'windows/386']);
    expect(committed.additionalProperties).toBe(false);
  });
});

describe('dist: in release.yaml', () => {
  it('is relative to the project, or absolute as given (never joined under the project)', async () => {
    const { distDirOf } = await import('../../../src/config/load.js');
    const at = (dist: string) => distDirOf({ ...parseConfig('project:\n  name: x\nbuilds: [{}]\n'), dist }, '/p');
    expect(at('dist')).toBe('/p/dist');
    expect(at('/srv/out')).toBe('/srv/out');
    expect(at('../out')).toBe('/out');
  });
});
