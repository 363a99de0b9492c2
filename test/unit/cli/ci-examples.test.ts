import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { commandOptions } from '../../../src/cli/main.js';
import { parseStageList, parseTargets } from '../../../src/cli/options.js';
import { STAGE_IDS } from '../../../src/pipeline/pipeline.js';
import { repoRoot } from '../../support/paths.js';

// The CI examples are documentation users copy: every `release …` command in them must be one
// the CLI accepts (known command and options, known stages and targets), or they rot unseen.

/** Every string under a `run:` (GitHub) or in a `script:` list (GitLab). */
function shellLines(node: unknown, key = ''): string[] {
  if (typeof node === 'string') return key === 'run' || key === 'script' ? node.split('\n') : [];
  if (Array.isArray(node)) return node.flatMap((n) => shellLines(n, key));
  if (node && typeof node === 'object') return Object.entries(node).flatMap(([k, v]) => shellLines(v, k === 'run' || k === 'script' ? k : key === 'script' ? key : k));
  return [];
}

/** A shell line as argv, with CI expressions standing for one word each. */
function words(line: string): string[] {
  return line
    .replace(/\$\{\{[^}]*\}\}/g, 'X')
    .replace(/"([^"]*)"/g, (_, w: string) => w.replace(/\s/g, '_'))
    .trim()
    .split(/\s+/)
    .filter(Boolean);
}

const examples = ['github-actions.yml', 'gitlab-ci.yml'].map((name) => ({ name, doc: parse(readFileSync(join(repoRoot, 'examples', 'ci', name), 'utf8')) as unknown }));

describe('the CI examples', () => {
  for (const { name, doc } of examples) {
    it(`${name}: every release command is one the CLI accepts`, () => {
      const commands = shellLines(doc).map((l) => l.trim()).filter((l) => l.startsWith('release '));
      expect(commands.length).toBeGreaterThanOrEqual(4);
      for (const line of commands) {
        const [, command, ...args] = words(line);
        const options = commandOptions(command!);
        expect(options, `${line}: unknown command`).toBeDefined();
        const { values } = parseArgs({ args, options: options!, allowPositionals: true, strict: true });
        for (const id of parseStageList([...((values.only as string[]) ?? []), ...((values.skip as string[]) ?? [])])) expect(STAGE_IDS, line).toContain(id);
        const targets = (values.targets as string[] | undefined)?.filter((t) => t !== 'X' && !t.startsWith('$'));
        if (targets?.length) expect(() => parseTargets(targets), line).not.toThrow();
      }
    });
  }
});
