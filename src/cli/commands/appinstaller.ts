import { statePath } from '../../artifacts/state.js';
import { findConfig, loadConfig } from '../../config/load.js';
import type { ReleaseContext } from '../../context/context.js';
import type { Selection } from '../../pipeline/select.js';
import { appinstaller } from '../../stages/appinstaller.js';
import { UsageError } from '../../util/errors.js';
import type { CliIo } from '../io.js';
import { rewriteRelease } from '../rewriteRelease.js';

export const appinstallerHelp = `Usage: release appinstaller [--base-url URL] [--config release.yaml] [--json]

Writes an App Installer file, <Name>_<arch>.appinstaller, for each MSIX package of the release
in dist/: Windows installs the package from it (open the file, or Add-AppxPackage
-AppInstallerFile URL) and keeps the installed app up to date from the same URL. URL is where the packages and these files
will be served (https://…/ or \\\\server\\share\\); it replaces msix.appinstaller.baseUrl of
release.yaml, whose update settings (msix.appinstaller.updateSettings, …) apply. The identity
each file names is checked against the AppxManifest.xml inside its package. Then the checksums
and manifests are written again. Needs the commit and release.yaml the release was built from.

Options:
  --base-url URL       where the packages are served (default: msix.appinstaller.baseUrl)
  --config PATH        release.yaml to use (default: ./release.yaml)
  --json               print a JSON summary on stdout; logs go to stderr
  --no-wait            refuse instead of waiting when another run works on dist/`;

export async function appinstallerCommand(values: Record<string, unknown>, positionals: string[], io: CliIo): Promise<number> {
  if (positionals.length) throw new UsageError(`release appinstaller takes no arguments (got ${positionals.join(' ')}); give the URL with --base-url URL`);
  const configPath = await findConfig(values.config as string | undefined, io.cwd);
  const { config, distDir, positions } = await loadConfig(configPath);
  const baseUrl = values['base-url'] as string | undefined;
  if (!config.msix) throw new UsageError(`release appinstaller: ${configPath} has no msix: section, so the release has no MSIX packages to point at (see README "MSIX packages")`);
  if (baseUrl === undefined && config.msix.appinstaller?.baseUrl === undefined) {
    throw new UsageError(`release appinstaller: give the URL the packages are served from, --base-url https://…/, or set msix.appinstaller.baseUrl (${positions.at(['msix'])})`);
  }
  return rewriteRelease('appinstaller', io, values, {
    configPath,
    distDir,
    only: [appinstaller.id],
    ...(baseUrl !== undefined ? { appinstallerBaseUrl: baseUrl } : {}),
    preflight: checkSomethingToPoint,
  });
}

/** A release without MSIX packages has nothing an App Installer file could install. */
function checkSomethingToPoint(ctx: ReleaseContext, selection: Selection): void {
  if (selection.run.includes(appinstaller)) return;
  const reason = selection.leftOut.get(appinstaller);
  if (ctx.artifacts.ofKind('msix').length === 0) throw new UsageError(`release appinstaller: ${statePath(ctx.distDir)} records no MSIX packages; build them first (release build, with msix: in release.yaml)`);
  throw new UsageError(`release appinstaller: nothing to do (${reason ?? 'the stage is left out'})`);
}
