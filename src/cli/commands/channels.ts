import { findConfig, loadConfig } from '../../config/load.js';
import type { ReleaseContext } from '../../context/context.js';
import type { Selection } from '../../pipeline/select.js';
import { scoop } from '../../stages/scoop.js';
import { winget } from '../../stages/winget.js';
import { UsageError } from '../../util/errors.js';
import type { CliIo } from '../io.js';
import { parseStageList } from '../options.js';
import { rewriteRelease } from '../rewriteRelease.js';

export const channelsHelp = `Usage: release channels [--base-url URL] [--only winget|scoop] [--config release.yaml] [--json]

Writes the package-manager manifests of the release in dist/: winget's multi-file manifest
(dist/winget/manifests/<letter>/<Publisher>/<Package>/<version>/: version, installer with each
MSI's URL, SHA-256, ProductCode, architecture and scope, default locale) and a Scoop manifest
for the zips (dist/scoop/<name>.json: url and hash per architecture, bin, checkver,
autoupdate). Both are checked against the JSON Schemas winget and Scoop publish before they are
written, recorded in the release state and listed in the checksums and artifacts.json, which are
written again. release build writes them too, when winget: or scoop: has a baseUrl.

URL is where the release files will be downloaded from, the file name appended; {{.Version}},
{{.Tag}} and {{.ProjectName}} are filled in, e.g.
  https://github.com/acme/hello/releases/download/{{.Tag}}/
It replaces winget.baseUrl and scoop.baseUrl of release.yaml. Needs the commit and release.yaml
the release was built from.

Options:
  --base-url URL       where the files are served (default: winget.baseUrl, scoop.baseUrl)
  --only CHANNEL       winget or scoop (default: both that release.yaml configures)
  --config PATH        release.yaml to use (default: ./release.yaml)
  --json               print a JSON summary on stdout; logs go to stderr
  --no-wait            refuse instead of waiting when another run works on dist/`;

export async function channelsCommand(values: Record<string, unknown>, positionals: string[], io: CliIo): Promise<number> {
  if (positionals.length) throw new UsageError(`release channels takes no arguments (got ${positionals.join(' ')}); give the URL with --base-url URL`);
  const configPath = await findConfig(values.config as string | undefined, io.cwd);
  const { config, distDir } = await loadConfig(configPath);
  const baseUrl = values['base-url'] as string | undefined;
  const only = parseStageList(values.only as string[] | undefined);
  const unknown = only.filter((c) => c !== winget.id && c !== scoop.id);
  if (unknown.length) throw new UsageError(`--only ${unknown.join(',')}: the channels are winget and scoop`);
  const wanted = (only.length ? only : [winget.id, scoop.id]).filter((c) => config[c as 'winget' | 'scoop'] !== undefined);
  if (wanted.length === 0) {
    throw new UsageError(`release channels: ${configPath} has no ${only.length ? only.join(' or ') : 'winget: or scoop:'} section; add one (see README "winget and Scoop")`);
  }
  return rewriteRelease('channels', io, values, {
    configPath,
    distDir,
    only: wanted,
    ...(baseUrl !== undefined ? { channelsBaseUrl: baseUrl } : {}),
    preflight: (ctx, selection) => checkSomethingToWrite(ctx, selection, wanted),
  });
}

/** A run that would write no manifest is a mistake worth saying (no base URL, nothing built). */
function checkSomethingToWrite(_ctx: ReleaseContext, selection: Selection, wanted: readonly string[]): void {
  const stages = [winget, scoop].filter((s) => wanted.includes(s.id));
  if (stages.some((s) => selection.run.includes(s))) return;
  const reasons = stages.map((s) => `${s.id}: ${selection.leftOut.get(s) ?? 'left out'}`);
  throw new UsageError(`release channels: nothing to write:\n  ${reasons.join('\n  ')}\nGive the download URL with --base-url https://…/ (or set winget.baseUrl / scoop.baseUrl)`);
}
