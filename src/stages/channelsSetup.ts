import { readFile } from 'node:fs/promises';
import type { ManifestValidator, SchemaProblem } from '../channels/validate.js';
import type { KeyPath } from '../config/positions.js';
import type { ReleaseContext } from '../context/context.js';
import { UsageError } from '../util/errors.js';

// What the winget and Scoop stages share: the base URL of this run, the URL of a release file
// under it, the vendored schemas, and how a schema's complaint reaches the user — at the key of
// release.yaml the value came from.

export type Channel = 'winget' | 'scoop';

/** The base URL template of this run: `release channels --base-url`, else the section's baseUrl. */
export function channelBaseTemplate(ctx: ReleaseContext, channel: Channel): string | undefined {
  return ctx.options.channelsBaseUrl ?? ctx.config[channel]?.baseUrl;
}

/** Where the base URL is set, for messages. */
export function baseUrlOrigin(ctx: ReleaseContext, channel: Channel): string {
  return ctx.options.channelsBaseUrl !== undefined ? `--base-url ${ctx.options.channelsBaseUrl}` : ctx.positions.at([channel, 'baseUrl']);
}

/** The base URL for this release: the template's fields filled in, one trailing slash. */
export async function channelBaseUrl(ctx: ReleaseContext, channel: Channel): Promise<string> {
  const template = channelBaseTemplate(ctx, channel)!;
  const { downloadUrlProblem } = await import('../config/channels.js');
  // Checked by the config schema when it is in release.yaml; --base-url is checked here.
  const problem = downloadUrlProblem(template);
  if (problem) throw new UsageError(`${baseUrlOrigin(ctx, channel)}: ${problem}`);
  const { renderFieldTemplate } = await import('../config/template.js');
  const rendered = renderFieldTemplate(template, { Version: ctx.release.version, Tag: ctx.release.tag ?? `v${ctx.release.version}`, ProjectName: ctx.config.project.name });
  return rendered.endsWith('/') ? rendered : `${rendered}/`;
}

/** A release file served under `base`: its name appended, escaped. */
export function downloadUrl(base: string, fileName: string): string {
  return `${base}${encodeURIComponent(fileName)}`;
}

/** The validator of a vendored schema, read and compiled once per run. */
export function vendoredValidator(ctx: ReleaseContext, file: string): Promise<ManifestValidator> {
  return ctx.once(`schema:${file}`, async () => {
    const { compileManifestSchema } = await import('../channels/validate.js');
    return compileManifestSchema(JSON.parse(await readFile(file, 'utf8')) as object);
  });
}

/**
 * Schema problems as errors at their keys. `keyOf` says which key of release.yaml a field of the
 * document comes from (undefined: winship made it, and a problem with it is a bug to report).
 */
export async function schemaErrors(
  ctx: ReleaseContext,
  what: string,
  problems: readonly SchemaProblem[],
  keyOf: (field: string) => KeyPath | string | undefined,
): Promise<UsageError[]> {
  const { pointerPath } = await import('../channels/validate.js');
  return problems.map((p) => {
    const field = p.pointer.split('/').filter(Boolean);
    const top = field.at(-1) ?? '';
    // The field itself, or for an item of a list (Tags/0) the list's name.
    const key = keyOf(/^\d+$/.test(top) ? (field.at(-2) ?? '') : top) ?? keyOf(field[0] ?? '');
    const where = key === undefined ? `${what} (written by winship: please report this)` : typeof key === 'string' ? key : ctx.positions.at(key);
    return new UsageError(`${where}: ${what} ${pointerPath(p.pointer)} ${p.message}`);
  });
}
