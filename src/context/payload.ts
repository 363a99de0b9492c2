import { binaryFile } from '../artifacts/names.js';
import { archOf, type GoArch } from '../util/arch.js';
import type { ReleaseContext } from './context.js';

/**
 * The names the binaries built for `arch` get in a package, from release.yaml: known when the
 * run starts, so the whole payload's names are checked before anything is compiled.
 */
export function plannedBinaryNames(ctx: ReleaseContext, arch: GoArch): string[] {
  return ctx.config.builds.filter((b) => ctx.targetsOf(b).some((t) => archOf(t) === arch)).map(binaryFile);
}

/** The arches of the run's targets, each once, sorted. */
export function runArches(ctx: ReleaseContext): GoArch[] {
  return [...new Set(ctx.targets.map(archOf))].sort();
}
