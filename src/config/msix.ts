// release.yaml's msix: section — MSIX packages and their App Installer files. Shape and simple
// values here (zod, with positions); the rules that need the whole release (the certificate's
// subject, the identity, the payload) are checked by the msix stage's preflight, with positions
// too, against the rules of src/msix/.

import { z } from 'zod';
import { APPINSTALLER_NAMESPACE_ORDER, PACKAGE_ARCHITECTURES } from '../msix/namespaces.js';
import { PRERELEASE_MAPPINGS } from '../msi/wix/version.js';
import { SUPPORTED_TARGETS } from '../util/arch.js';
import { fileSpecs } from './fileSpec.js';

const supported = (what: string, values: readonly string[]) => (iss: { input?: unknown }) =>
  `${JSON.stringify(iss.input)} is not a supported ${what} (supported: ${values.join(', ')})`;

const target = z.enum(SUPPORTED_TARGETS, { error: supported('target', SUPPORTED_TARGETS) });
const versionQuad = z.string().regex(/^\d+\.\d+\.\d+\.\d+$/, 'must be a four-part Windows version, e.g. 10.0.17763.0');

/** Windows 10 1809: the oldest Windows the 2018 App Installer namespace, and MSIX itself, serve well. */
export const DEFAULT_MIN_VERSION = '10.0.17763.0';
/** Windows 11 24H2. */
export const DEFAULT_MAX_VERSION_TESTED = '10.0.26100.0';

const packageReference = z.strictObject({
  type: z.enum(['package', 'bundle']).default('package'),
  name: z.string(),
  publisher: z.string(),
  version: z.string(),
  processorArchitecture: z.enum(PACKAGE_ARCHITECTURES, { error: supported('processor architecture', PACKAGE_ARCHITECTURES) }).optional(),
  uri: z.string(),
});

/** When msix.appinstaller says nothing of updates: look at launch once a day, and in the background. */
export const DEFAULT_UPDATE_SETTINGS = { onLaunch: { hoursBetweenUpdateChecks: 24 }, automaticBackgroundTask: true };

const appinstaller = z
  .strictObject({
    baseUrl: z
      .string()
      .optional()
      .describe('Where the packages and .appinstaller files are served (https://…/ or \\\\server\\share\\); a file\'s Uri is this plus its name. Without it, release appinstaller --base-url URL writes them later.'),
    namespace: z
      .enum(['auto', ...APPINSTALLER_NAMESPACE_ORDER], { error: supported('App Installer namespace', ['auto', ...APPINSTALLER_NAMESPACE_ORDER]) })
      .default('auto')
      .describe('auto: the oldest namespace with every feature used (2017/2: Windows 10 1803, 2018: 1809, 2021: Windows 11).'),
    updateSettings: z
      .strictObject({
        onLaunch: z
          .strictObject({
            hoursBetweenUpdateChecks: z.number().optional().describe('0-255: look for an update at launch when the last look is this old (0: every launch).'),
            showPrompt: z.boolean().optional().describe('Show the update prompt (packaged desktop apps update silently anyway).'),
            updateBlocksActivation: z.boolean().optional().describe('With showPrompt: the app starts only after the update.'),
          })
          .optional(),
        automaticBackgroundTask: z.boolean().optional().describe('Look for updates every 8 hours in the background.'),
        forceUpdateFromAnyVersion: z.boolean().optional().describe('Allow updates to a lower version (rollbacks).'),
      })
      .default(DEFAULT_UPDATE_SETTINGS)
      .describe('Default: onLaunch.hoursBetweenUpdateChecks 24 and automaticBackgroundTask.'),
    updateUris: z.array(z.string()).default([]).describe('Other .appinstaller URIs to update from (2021 namespace), at most 10.'),
    repairUris: z.array(z.string()).default([]).describe('.appinstaller URIs to repair from (2021 namespace), at most 10.'),
    optionalPackages: z.array(packageReference).default([]),
    relatedPackages: z.array(packageReference).default([]),
    dependencies: z.array(packageReference).default([]).describe('Framework packages installed when missing.'),
  })
  .describe('App Installer (.appinstaller) files, one per package, pointing at it.');

export const msixConfigSchema = z
  .strictObject({
    disabled: z.boolean().default(false),
    targets: z.array(target).min(1).optional().describe('Default: every target built.'),
    name: z.string().optional().describe('Identity Name: 3-50 letters, digits, "." and "-" (default: project.name, "_" as "-"). Never change it: it is the app.'),
    publisher: z.string().optional().describe('Identity Publisher. Default: the signing certificate\'s subject, which it must equal; needed when the certificate is not readable here (Windows certificate store, Azure, no signing).'),
    publisherDisplayName: z.string().optional().describe('Default: project.vendor.'),
    displayName: z.string().optional().describe('Default: project.name.'),
    description: z.string().optional().describe('Default: project.description.'),
    application: z
      .strictObject({
        binary: z.string().optional().describe('The .exe the app starts (default: the first build\'s).'),
        id: z.string().optional().describe('Application Id (default: from the binary name).'),
        alias: z
          .union([z.string(), z.literal(false)])
          .optional()
          .describe('App execution alias put on PATH, e.g. hello.exe (default: the binary\'s name for a console build, none for gui: true); false: none.'),
        startMenu: z.boolean().optional().describe('List the app in the Start menu (default: gui builds yes, command-line tools with an alias no).'),
      })
      .default({}),
    logos: z
      .strictObject({
        store: z.string().optional().describe('PNG, 50×50 (Properties/Logo).'),
        square150: z.string().optional().describe('PNG, 150×150 (Square150x150Logo).'),
        square44: z.string().optional().describe('PNG, 44×44 (Square44x44Logo).'),
      })
      .default({})
      .describe('Missing ones are made from the binary\'s icon (resources.icon), or a plain colour, with a warning.'),
    backgroundColor: z.string().default('transparent').describe('Tile background: #RRGGBB, transparent or a named colour.'),
    minVersion: versionQuad.default(DEFAULT_MIN_VERSION).describe('Oldest Windows the package installs on (TargetDeviceFamily MinVersion).'),
    maxVersionTested: versionQuad.default(DEFAULT_MAX_VERSION_TESTED),
    languages: z.array(z.string()).min(1).default(['en-us']),
    files: fileSpecs('Extra files packed beside the binaries.'),
    exclude: z.array(z.string()).default([]).describe('Globs removed from files.'),
    prerelease: z
      .enum(PRERELEASE_MAPPINGS, { error: supported('pre-release mapping', PRERELEASE_MAPPINGS) })
      .default('error')
      .describe('How a pre-release becomes a four-part version: error, strip, or patch-offset (as for msi). Snapshots are stripped.'),
    appinstaller: appinstaller.optional(),
  })
  .describe('MSIX packages, one per target, signed like every other file, and App Installer files.');

export type MsixConfigInput = z.input<typeof msixConfigSchema>;
