import { readFile, stat } from 'node:fs/promises';
import type { KeyPath } from '../config/positions.js';
import type { BuildConfig } from '../config/schema.js';
import type { ReleaseContext } from '../context/context.js';
import { icoProblem } from '../pe/ico.js';
import { versionInfoOverflow } from '../pe/versionInfoSize.js';
import { problemsOf, UsageError } from '../util/errors.js';
import { windowsVersionProblem } from '../version/semver.js';
import { versionOrigin } from './versionOrigin.js';

// The version resources stage's preflight: what it will write into each exe is known before
// the exes are: the file version (four 16-bit numbers), the VERSIONINFO strings (a 16-bit
// resource: resedit drops a string that does not fit, silently) and the icon (a real .ico).

/** The VERSIONINFO strings of a build, each with the release.yaml key it comes from. */
export interface VersionStrings {
  strings: Record<string, string>;
  /** String name → the key that sets it (the version's come from versionOrigin). */
  keys: Record<string, KeyPath | undefined>;
}

/** Which key a build's VERSIONINFO string comes from (the first written one of its defaults). */
export function versionStringKeys(ctx: ReleaseContext, build: BuildConfig, index: number): Record<string, KeyPath | undefined> {
  const { project } = ctx.config;
  const written = (path: KeyPath) => ctx.positions.has(path);
  const description: KeyPath = build.resources.description !== undefined ? ['builds', index, 'resources', 'description'] : project.description ? ['project', 'description'] : ['project', 'name'];
  const binary: KeyPath = written(['builds', index, 'binary']) ? ['builds', index, 'binary'] : ['project', 'name'];
  return {
    CompanyName: ['project', 'vendor'],
    FileDescription: description,
    FileVersion: undefined,
    InternalName: binary,
    LegalCopyright: project.copyright !== undefined ? ['project', 'copyright'] : project.vendor ? ['project', 'vendor'] : ['project', 'name'],
    OriginalFilename: binary,
    ProductName: ['project', 'name'],
    ProductVersion: undefined,
  };
}

/** The strings must fit the resource; the longest one is named, with its key, as the one to shorten. */
export function versionStringsProblem(ctx: ReleaseContext, build: BuildConfig, index: number, strings: Record<string, string>): UsageError | undefined {
  const over = versionInfoOverflow(strings);
  if (!over) return undefined;
  const keys = versionStringKeys(ctx, build, index);
  const [longest, text] = Object.entries(strings).sort((a, b) => b[1].length - a[1].length)[0]!;
  const key = keys[longest];
  const where = key ? ctx.positions.at(key) : versionOrigin(ctx);
  return new UsageError(
    `${where}: ${longest} is ${text.length.toLocaleString('en-US')} characters: the VERSIONINFO strings of ${build.binary}.exe would take ` +
      `${over.bytes.toLocaleString('en-US')} bytes, and a version resource holds ${over.max.toLocaleString('en-US')} for them (its lengths are 16-bit; ` +
      `a string past that is dropped without a word); shorten it`,
  );
}

/**
 * An icon's bytes, read once per run when the run starts (after a stat: a FIFO or a device is
 * never opened) and checked to be a real .ico. The stage embeds what was checked.
 */
export function checkedIcon(ctx: ReleaseContext, build: BuildConfig, index: number): Promise<Uint8Array> {
  return ctx.once(`icon:${index}`, async () => {
    const key = ctx.positions.at(['builds', index, 'resources', 'icon']);
    const path = ctx.project(build.resources.icon!);
    const found = await stat(path).catch((err: NodeJS.ErrnoException) => {
      throw new UsageError(`${key}: cannot read ${path} (${err.code ?? String(err)})`);
    });
    if (!found.isFile()) throw new UsageError(`${key}: ${path} is not a file (a folder, FIFO or device); name your .ico file`);
    const bytes = await readFile(path).catch((err: NodeJS.ErrnoException) => {
      throw new UsageError(`${key}: cannot read ${path} (${err.code ?? String(err)})`);
    });
    const problem = icoProblem(bytes);
    if (problem) throw new UsageError(`${key}: ${path}: ${problem}; give a Windows .ico file (e.g. ImageMagick: magick app.png -define icon:auto-resize app.ico)`);
    return new Uint8Array(bytes);
  });
}

/** Everything the stage can refuse before the exes exist, every problem at once. */
export async function checkVersionResources(
  ctx: ReleaseContext,
  info: (build: BuildConfig) => { strings: Record<string, string> },
  /** Builds whose icon is already refused (outside the project, not a file): not read. */
  refusedIcons: ReadonlySet<number> = new Set(),
): Promise<void> {
  const problems: Error[] = [];
  const versionProblem = windowsVersionProblem(ctx.release.semver);
  if (versionProblem) {
    problems.push(new UsageError(`${versionOrigin(ctx)}: ${versionProblem}; give a version whose numbers are at most 65535, or set resources.disabled on every build`));
  }
  const builds = ctx.config.builds.map((build, index) => ({ build, index })).filter(({ build }) => !build.resources.disabled && ctx.targetsOf(build).length > 0);
  for (const { build, index } of builds) {
    const tooLong = versionStringsProblem(ctx, build, index, info(build).strings);
    if (tooLong) problems.push(tooLong);
  }
  const icons = await Promise.all(
    builds.filter(({ build, index }) => build.resources.icon !== undefined && !refusedIcons.has(index)).map(({ build, index }) => checkedIcon(ctx, build, index).then(() => undefined, (err: Error) => err)),
  );
  problems.push(...icons.filter((e): e is Error => e !== undefined));
  const found = problemsOf(problems);
  if (found) throw found;
}
