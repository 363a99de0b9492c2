import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../support/paths.js';

// The folders of src/ are layers, arrows pointing down (README "Development"):
//   cli → pipeline → stages → context → artifacts → signing → formats → tools → util
// A module may import its own layer or any layer below it, never one above, and no chain of
// imports may lead back to where it started. Type-only imports count too: they are
// dependencies of the design even when they vanish at run time.
const LAYERS: readonly (readonly string[])[] = [
  ['main.ts'], // the entry point, the only file at the root of src/
  ['cli'],
  ['pipeline', 'verify', 'doctor', 'serve'], // beside the pipeline that builds a release: verify checks one built, doctor the machine, serve hosts a feed
  ['stages'],
  ['context'],
  ['artifacts', 'feed'], // feed: the update feed's index, key, stores and publish (reads releases as artifacts do)
  ['signing'],
  ['msi', 'msix', 'pe', 'archive', 'version', 'config', 'tsa', 'payload', 'delta', 'channels', 'starter'], // formats and rules
  ['tools'],
  ['util'],
];

const srcDir = join(repoRoot, 'src');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sourceFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

/** Relative specifiers of static imports, re-exports and dynamic import() calls. */
export function importSpecifiers(text: string): string[] {
  const specs: string[] = [];
  const quoted = `(['"])([^'"]+)\\1`;
  for (const m of text.matchAll(new RegExp(`(?:^|\\n)\\s*(?:import|export)\\b[^'"]*?\\bfrom\\s*${quoted}`, 'g'))) specs.push(m[2]!);
  for (const m of text.matchAll(new RegExp(`(?:^|\\n)\\s*import\\s*${quoted}`, 'g'))) specs.push(m[2]!);
  for (const m of text.matchAll(new RegExp(`\\bimport\\(\\s*${quoted}\\s*\\)`, 'g'))) specs.push(m[2]!);
  // An import() of anything but a literal cannot be checked: refuse it rather than miss it.
  for (const m of text.matchAll(/\bimport\(\s*(?!['"])([^)]*)\)/g)) specs.push(`<dynamic ${m[1]!.trim()}>`);
  return specs.filter((s) => s.startsWith('.') || s.startsWith('<dynamic'));
}

function layerOf(file: string): number {
  const top = relative(srcDir, file).split(/[\\/]/)[0]!;
  const index = LAYERS.findIndex((names) => names.includes(top));
  if (index < 0) throw new Error(`src/${relative(srcDir, file)} is in no layer: add its folder to LAYERS in test/unit/layers.test.ts`);
  return index;
}

const files = sourceFiles(srcDir);
const graph = new Map(
  files.map((file) => [
    file,
    importSpecifiers(readFileSync(file, 'utf8')).map((spec) => resolve(dirname(file), spec.replace(/\.js$/, '.ts'))),
  ]),
);
const show = (file: string) => `src/${relative(srcDir, file).split('\\').join('/')}`;

describe('the layers of src/', () => {
  it('finds the imports it checks', () => {
    expect(importSpecifiers("import { a } from './a.js';\nimport type { B } from \"../b.js\";\nexport { c } from './c.js';\nconst d = await import('./d.js');\nimport './e.js';")).toEqual([
      './a.js',
      '../b.js',
      './c.js',
      './e.js',
      './d.js',
    ]);
    expect(importSpecifiers('const m = await import(name);')).toEqual(['<dynamic name>']);
    expect(graph.size).toBeGreaterThan(50);
  });

  it('has no file at the root of src/ but the entry point', () => {
    const root = readdirSync(srcDir, { withFileTypes: true }).filter((e) => e.isFile()).map((e) => e.name);
    expect(root).toEqual(['main.ts']);
  });

  it('never imports a higher layer', () => {
    const upward: string[] = [];
    for (const [file, targets] of graph) {
      for (const target of targets) {
        if (target.includes('<dynamic')) throw new Error(`${show(file)} has an import() of a computed name; the layer rule cannot check it`);
        if (!graph.has(target)) throw new Error(`${show(file)} imports ${show(target)}, which does not exist`);
        if (layerOf(target) < layerOf(file)) upward.push(`${show(file)} → ${show(target)}`);
      }
    }
    expect(upward).toEqual([]);
  });

  it('has no import cycles', () => {
    const cycles: string[] = [];
    const state = new Map<string, 'open' | 'done'>();
    const stack: string[] = [];
    const visit = (file: string) => {
      state.set(file, 'open');
      stack.push(file);
      for (const target of graph.get(file) ?? []) {
        if (state.get(target) === 'open') cycles.push([...stack.slice(stack.indexOf(target)), target].map(show).join(' → '));
        else if (!state.has(target)) visit(target);
      }
      stack.pop();
      state.set(file, 'done');
    };
    for (const file of [...graph.keys()].sort()) if (!state.has(file)) visit(file);
    expect(cycles).toEqual([]);
  });
});
