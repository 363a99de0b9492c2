import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { CancelledError, problemsOf, StageError, UsageError } from '../util/errors.js';
import { placeholderKeys } from '../config/placeholders.js';
import { forgetTemp, trackTemp } from '../util/fs.js';
import { runTempDir } from '../util/runId.js';
import type { BuildConfig } from '../config/schema.js';
import type { ReleaseContext } from '../context/context.js';
import type { ReleaseStage } from '../context/stage.js';
import { checkGoVersion, goModVendorTo, goModVerify, goPackageName, goVersion, mainPackageArg } from '../tools/go.js';

/** Fail in seconds, not after three builds: toolchain, main packages, module integrity. */
export const check: ReleaseStage = {
  id: 'check',
  title: 'Check toolchain and sources',
  scope: 'release',
  gate: true,
  consumes: [],
  produces: [],
  modifies: [],
  skip: (ctx) => (ctx.config.builds.every((b) => ctx.targetsOf(b).length === 0) ? 'no targets selected' : false),
  prepare: refusePlaceholders,
  async run(ctx, signal) {
    // The queries run side by side (each go start costs tens of ms); what they found is judged in
    // order, so the first problem reported is the first one in release.yaml.
    const [version, packages] = await Promise.all([goVersion(ctx.runner, ctx.projectDir), Promise.all(ctx.config.builds.map((build) => mainPackageOf(ctx, build)))]);
    checkGoVersion(version);
    ctx.toolVersions.go = version;
    for (const [i, build] of ctx.config.builds.entries()) {
      const where = `builds[${i}].main`;
      const found = packages[i]!;
      if (found.missing) {
        throw new UsageError(`${where}: ${mainPackageArg(build.main)} is not a directory under ${ctx.projectDir}; point it at the folder holding your main package`);
      }
      if (found.error !== undefined) {
        if (found.error instanceof CancelledError) throw found.error; // stopped, not a problem with the package
        const err = found.error as StageError;
        throw new StageError(`${where}: go cannot load the package at ${mainPackageArg(build.main)}: ${err.details ?? err.message}`);
      }
      if (found.name !== 'main') {
        throw new UsageError(`${where}: ${mainPackageArg(build.main)} is package "${found.name}", not a main package; point it at the folder with "package main"`);
      }
    }

    const moduleDir = await findModuleRoot(ctx.projectDir);
    if (!moduleDir) return;
    if (await exists(join(moduleDir, 'go.sum'))) await goModVerify(ctx.runner, moduleDir, signal);
    if (await exists(join(moduleDir, 'vendor'))) await checkVendorDrift(ctx, moduleDir, signal);
  },
};

/**
 * A release must not ship what `release init` wrote where it could not guess ("TODO: your name
 * or company" as CompanyName, copyright, MSI Manufacturer, winget Publisher). A snapshot may,
 * with a warning: it is a local build.
 */
function refusePlaceholders(ctx: ReleaseContext): void {
  const found = placeholderKeys(ctx.config);
  if (found.length === 0) return;
  const lines = found.map(({ key, value }) => `${ctx.positions.at(key)}: ${JSON.stringify(value)} is a placeholder (release init could not guess it)`);
  if (ctx.release.snapshot) {
    for (const line of lines) ctx.warn(`${line}: fine for a snapshot, refused for a release; replace it before you tag one`);
    return;
  }
  const problems = problemsOf(lines.map((line) => new UsageError(`${line}; a release would ship it (CompanyName, copyright, MSI Manufacturer, package manifests): replace it with the real value`)));
  if (problems) throw problems;
}

/** The package name at a build's main folder, or why there is none. */
async function mainPackageOf(ctx: ReleaseContext, build: BuildConfig): Promise<{ missing?: true; name?: string; error?: unknown }> {
  const dir = ctx.project(mainPackageArg(build.main)); // the folder go is given: "cmd\app" works on Linux too
  if (!(await stat(dir).catch(() => undefined))?.isDirectory()) return { missing: true };
  try {
    return { name: await goPackageName(ctx.runner, ctx.projectDir, build.main, build.env) };
  } catch (error) {
    return { error };
  }
}

async function exists(path: string): Promise<boolean> {
  return (await stat(path).catch(() => undefined)) !== undefined;
}

async function findModuleRoot(dir: string): Promise<string | undefined> {
  for (let d = dir; ; ) {
    if (await exists(join(d, 'go.mod'))) return d;
    const parent = join(d, '..');
    if (parent === d) return undefined;
    d = parent;
  }
}

/** Compare vendor/ with what `go mod vendor` would write now; any difference is drift. */
async function checkVendorDrift(ctx: ReleaseContext, moduleDir: string, signal: AbortSignal): Promise<void> {
  if (ctx.runner.dryRun) {
    await goModVendorTo(ctx.runner, moduleDir, '<temp dir>', signal);
    return;
  }
  const scratch = await mkdtemp(join(await runTempDir(), 'vendor-'));
  trackTemp(scratch);
  try {
    const expected = join(scratch, 'vendor');
    await goModVendorTo(ctx.runner, moduleDir, expected, signal);
    const drift = await diffTrees(join(moduleDir, 'vendor'), expected);
    if (drift.length) {
      const shown = drift.slice(0, 30).join('\n  ');
      const more = drift.length > 30 ? `\n  … and ${drift.length - 30} more` : '';
      throw new StageError(
        `vendor/ does not match go.mod (${drift.length} difference${drift.length > 1 ? 's' : ''}); run "go mod vendor" and commit the result:\n  ${shown}${more}`,
      );
    }
  } finally {
    await rm(scratch, { recursive: true, force: true });
    forgetTemp(scratch);
  }
}

async function listFiles(root: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  for (const e of entries) {
    if (!e.isFile()) continue;
    const full = join(e.parentPath, e.name);
    out.set(relative(root, full), full);
  }
  return out;
}

export async function diffTrees(actualRoot: string, expectedRoot: string): Promise<string[]> {
  const [actual, expected] = await Promise.all([listFiles(actualRoot), listFiles(expectedRoot)]);
  const lines: string[] = [];
  for (const [rel, path] of [...expected].sort()) {
    const have = actual.get(rel);
    if (have === undefined) lines.push(`missing  vendor/${rel}`);
    else if (!(await readFile(have)).equals(await readFile(path))) lines.push(`changed  vendor/${rel}`);
  }
  for (const rel of [...actual.keys()].sort()) if (!expected.has(rel)) lines.push(`extra    vendor/${rel}`);
  return lines;
}
