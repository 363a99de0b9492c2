import { readdir, readFile, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { gitAuthorName, gitRemoteUrl } from '../tools/git.js';
import { goListPackages, type ListedPackage } from '../tools/go.js';
import { MissingToolError } from '../util/errors.js';
import type { ToolRunner } from '../tools/runner.js';
import { descriptionFromDoc, isGuiProgram, isVersionPackage, ldflagsFor, modulePath, packageName, programName, versionVariables, type VersionVariable } from './goSource.js';
import { licenseFacts, readmeDescription, releaseDownloadUrl, remoteFacts, remoteOfModule } from './projectFacts.js';
import type { Guess, StarterBuild, StarterModel } from './starterConfig.js';

// What `release init` finds in a Go project: the module (go.mod), its main packages and the
// version variables they declare (go list, for windows, build constraints applied; a scan of
// the files when go cannot list them), the licence and its holder (LICENSE), a description (the
// main package's doc, else the README), the git remote and author. Read only: nothing in the
// project is changed, nothing is downloaded (go list runs with GOPROXY=off, GOTOOLCHAIN=local).

export interface Discovery {
  model: Omit<StarterModel, 'upgradeCode'>;
  /** Things the user should know: no main package, go could not list the packages… */
  notes: string[];
}

const LICENSE_NAMES = ['LICENSE', 'LICENSE.md', 'LICENSE.txt', 'LICENCE', 'LICENCE.md', 'COPYING', 'COPYING.md', 'UNLICENSE'];
const README_NAMES = ['README.md', 'README', 'README.txt', 'README.rst', 'readme.md', 'Readme.md'];

export async function discoverProject(runner: ToolRunner, dir: string, signal?: AbortSignal): Promise<Discovery> {
  const notes: string[] = [];
  const sources = new Set<string>();
  const read = async (name: string) => readFile(join(dir, name), 'utf8').catch(() => undefined);
  const names = await readdir(dir).catch(() => [] as string[]);
  const goMod = await read('go.mod');
  if (goMod !== undefined) sources.add('go.mod');
  else notes.push(`no go.mod in ${dir}: run release init at the root of a Go module (the project is named after the folder)`);
  const module = modulePath(goMod);
  const name = programName(module ?? dir.split(sep).filter(Boolean).at(-1) ?? 'app');

  const packages = await listPackages(runner, dir, module, notes, signal);
  const mains = packages.filter((p) => p.name === 'main').sort((a, b) => mainOrder(a, dir) - mainOrder(b, dir) || (a.dir < b.dir ? -1 : 1));
  if (packages.length) sources.add('the Go sources');
  const byImport = new Map(packages.map((p) => [p.importPath, p]));

  const builds: StarterBuild[] = [];
  const usedIds = new Set<string>();
  for (const main of mains) {
    const rel = relative(dir, main.dir).split(sep).join('/');
    const mainArg = rel === '' ? '.' : `./${rel}`;
    const binary = rel === '' ? name : programName(rel);
    // An id names a folder and takes fewer characters than a binary name ("1.5" → "1-5").
    const base = binary.replace(/[^A-Za-z0-9_-]/g, '-').replace(/^[^A-Za-z0-9]+/, '') || 'app';
    let id = base;
    for (let n = 2; usedIds.has(id); n++) id = `${base}-${n}`;
    usedIds.add(id);
    const found: { importPath: string; variable: VersionVariable }[] = [];
    for (const file of main.goFiles) for (const variable of versionVariables(await readFile(join(main.dir, file), 'utf8').catch(() => ''))) found.push({ importPath: 'main', variable });
    // Programs that keep them in a package of their own (internal/version, pkg/buildinfo).
    for (const imported of main.imports.map((i) => byImport.get(i)).filter((p): p is ListedPackage => p !== undefined && isVersionPackage(p.importPath))) {
      for (const file of imported.goFiles) for (const variable of versionVariables(await readFile(join(imported.dir, file), 'utf8').catch(() => ''))) found.push({ importPath: imported.importPath, variable });
    }
    const ldflags = ldflagsFor(found);
    const sets = ldflags.split(' -X ').slice(1).map((flag) => flag.split('=')[0]!);
    builds.push({ id, main: mainArg, binary, gui: isGuiProgram(main.imports), ldflags, sets, ...(await iconOf(dir, main.dir)) });
  }
  if (builds.length === 0) {
    notes.push(`found no main package${module ? ` in ${module}` : ''}: builds[0].main is ".", point it at the folder with "package main"`);
    builds.push({ id: name.replace(/[^A-Za-z0-9_-]/g, '-').replace(/^[^A-Za-z0-9]+/, '') || 'app', main: '.', binary: name, gui: false, ldflags: '-s -w', sets: [] });
  }

  const licenseFile = LICENSE_NAMES.find((n) => names.includes(n));
  const licenseText = licenseFile ? await read(licenseFile) : undefined;
  const license = licenseText ? licenseFacts(licenseText) : {};
  if (licenseFile) sources.add(licenseFile);
  const readmeFile = README_NAMES.find((n) => names.includes(n));
  const readme = readmeFile ? await read(readmeFile) : undefined;
  if (readmeFile) sources.add(readmeFile);

  const [remoteUrl, author] = await Promise.all([gitRemoteUrl(runner, dir).catch(() => undefined), gitAuthorName(runner, dir).catch(() => undefined)]);
  const remote = remoteFacts(remoteUrl);
  if (remote || author) sources.add('git');
  const homeRemote = remote ?? remoteOfModule(module);

  const firstMain = mains[0];
  const description: Guess | undefined = (() => {
    const doc = descriptionFromDoc(firstMain?.doc, builds[0]!.binary);
    if (doc) return { value: doc, from: `from the package doc of ${builds[0]!.main}` };
    const fromReadme = readme ? readmeDescription(readme, name) : undefined;
    return fromReadme ? { value: fromReadme, from: `from ${readmeFile}` } : undefined;
  })();
  const vendor: Guess | undefined = license.holder
    ? { value: license.holder, from: `from ${licenseFile} (the copyright holder)` }
    : author
      ? { value: author, from: 'from the git author: put your company\'s name if it publishes this' }
      : homeRemote
        ? { value: homeRemote.owner, from: `from the ${remote ? 'git remote' : 'module path'}: put the publisher's full name` }
        : undefined;
  return {
    model: {
      name,
      ...(description ? { description } : {}),
      ...(vendor ? { vendor } : {}),
      ...(homeRemote ? { homepage: { value: homeRemote.homepage, from: remote ? 'from the git remote' : 'from the module path' } } : {}),
      ...(license.spdx ? { license: { value: license.spdx, from: `from ${licenseFile}${license.spdx.startsWith('GPL') || license.spdx.includes('GPL-') ? ' (check: -only or -or-later)' : ''}` } } : {}),
      builds,
      files: [readmeFile, licenseFile].filter((f): f is string => f !== undefined),
      ...(releaseDownloadUrl(homeRemote) ? { downloadUrl: releaseDownloadUrl(homeRemote)! } : {}),
      sources: [...sources],
    },
    notes,
  };
}

/** The root's main first, then cmd/<name>, then the rest. */
function mainOrder(p: ListedPackage, root: string): number {
  const rel = relative(root, p.dir).split(sep).join('/');
  return rel === '' ? 0 : rel.startsWith('cmd/') ? 1 : 2;
}

/** go list, else a scan of the folders for package main (go missing, or it cannot load the module). */
async function listPackages(runner: ToolRunner, dir: string, module: string | undefined, notes: string[], signal?: AbortSignal): Promise<ListedPackage[]> {
  try {
    return await goListPackages(runner, dir, signal);
  } catch (err) {
    const why = err instanceof MissingToolError ? 'go is not installed' : `go list failed: ${(err as Error).message.split('\n')[0]}`;
    notes.push(`${why}; found the main packages by reading the files instead (build constraints not applied)`);
    return scanPackages(dir, module);
  }
}

const SKIPPED = new Set(['vendor', 'testdata', 'node_modules', 'dist']);

async function scanPackages(root: string, module: string | undefined): Promise<ListedPackage[]> {
  const out: ListedPackage[] = [];
  const walk = async (folder: string, depth: number) => {
    const entries = await readdir(folder, { withFileTypes: true }).catch(() => []);
    const goFiles = entries.filter((e) => e.isFile() && e.name.endsWith('.go') && !e.name.endsWith('_test.go')).map((e) => e.name).sort();
    if (goFiles.length) {
      const texts = await Promise.all(goFiles.map((f) => readFile(join(folder, f), 'utf8').catch(() => '')));
      const name = texts.map(packageName).find((n) => n !== undefined) ?? '';
      const rel = relative(root, folder).split(sep).join('/');
      const imports = [...new Set(texts.flatMap((t) => [...t.matchAll(/^\s*(?:import\s+)?(?:[A-Za-z_.]+\s+)?"([^"]+)"\s*$/gm)].map((m) => m[1]!)))];
      out.push({ importPath: module ? (rel ? `${module}/${rel}` : module) : rel || '.', name, dir: folder, goFiles, imports, doc: '', error: false });
    }
    if (depth >= 6) return;
    for (const e of entries) if (e.isDirectory() && !e.name.startsWith('.') && !e.name.startsWith('_') && !SKIPPED.has(e.name)) await walk(join(folder, e.name), depth + 1);
  };
  await walk(root, 0);
  return out;
}

/** A Windows icon beside the main package or in the usual folders, when there is exactly one. */
async function iconOf(root: string, mainDir: string): Promise<{ icon?: string }> {
  const candidates: string[] = [];
  for (const folder of [...new Set([mainDir, root, join(root, 'assets'), join(root, 'winres'), join(root, 'resources')])]) {
    for (const name of (await readdir(folder).catch(() => [] as string[])).filter((n) => n.toLowerCase().endsWith('.ico'))) {
      const path = join(folder, name);
      const head = await readFile(path).then((b) => b.subarray(0, 4)).catch(() => undefined);
      // A real .ico: reserved 0, type 1 (an icon, not a cursor).
      if (head && head.length === 4 && head[0] === 0 && head[1] === 0 && head[2] === 1 && head[3] === 0 && (await stat(path)).isFile()) candidates.push(relative(root, path).split(sep).join('/'));
    }
  }
  const unique = [...new Set(candidates)];
  return unique.length === 1 ? { icon: unique[0]! } : {};
}
