import { z } from 'zod';
import { SUPPORTED_TARGETS } from '../util/arch.js';
import { LDFLAGS_FIELDS, templateProblem } from './template.js';
import { parseSemver, windowsVersionProblem } from '../version/semver.js';
import { DEFAULT_CODEPAGE } from '../msi/wix/codepage.js';
import { PRERELEASE_MAPPINGS } from '../msi/wix/version.js';
import { GUID_PATTERN } from '../msi/wix/guid.js';
import { FILE_NAME_MAX, LCID_MAX, longNameMax, MSI_COLUMNS, MSI_PRODUCT_NAME_MAX, tooLong } from './limits.js';
import { msixConfigSchema } from './msix.js';
import { fileSpecs } from './fileSpec.js';
import { scoopConfigSchema, wingetConfigSchema } from './channels.js';

// The one definition of release.yaml. Validation, defaults, TypeScript types and the published
// JSON Schema (schema/release.schema.json, `npm run schema`) all come from here.

export { SUPPORTED_TARGETS, type Target } from '../util/arch.js';

const supported = (what: string, values: readonly string[]) => (iss: { input?: unknown }) =>
  `${JSON.stringify(iss.input)} is not a supported ${what} (supported: ${values.join(', ')})`;

const target = z.enum(SUPPORTED_TARGETS, { error: supported('target', SUPPORTED_TARGETS) });

const EXECUTION_LEVELS = ['asInvoker', 'highestAvailable', 'requireAdministrator'] as const;

// Flags we set ourselves; passing them again would silently override reproducibility settings.
const RESERVED_FLAGS = ['-o', '-ldflags', '-tags', '-trimpath', '-buildvcs'];

const semverString = z
  .string()
  .refine((v) => parseSemver(v) !== undefined, { error: (iss) => `${JSON.stringify(iss.input)} is not a semantic version (expected X.Y.Z, e.g. 1.4.0)`, abort: true })
  // Windows keeps each of major, minor and patch in 16 bits (VERSIONINFO FILEVERSION).
  .superRefine((v, check) => {
    const problem = windowsVersionProblem(parseSemver(v)!);
    if (problem) check.addIssue({ code: 'custom', message: problem });
  });

/** A string of at most `max` characters, refused past it with the limit and its reason. */
const limited = (max: number, why: string) => z.string().max(max, { error: tooLong(max, why) });
const column = (name: string, max: number) => `the MSI ${name} column holds ${max}`;
const longName = (name: string, max: number) => `the MSI ${name} column holds ${max}, with the 8.3 short name WiX writes before a long one`;

const resources = z
  .strictObject({
    disabled: z.boolean().default(false).describe('Do not embed VERSIONINFO, icon or manifest.'),
    description: z.string().optional().describe('FileDescription; defaults to project.description.'),
    icon: z.string().optional().describe('Path to an .ico file, relative to release.yaml.'),
    executionLevel: z
      .enum(EXECUTION_LEVELS, { error: supported('execution level', EXECUTION_LEVELS) })
      .default('asInvoker')
      .describe('requestedExecutionLevel in the application manifest.'),
  })
  .describe('Windows resources embedded after the build.');

const build = z
  .strictObject({
    id: z
      .string()
      .regex(/^[A-Za-z0-9][A-Za-z0-9_-]*$/, 'must be letters, digits, "-" or "_"')
      // It names the folder <id>_windows_<arch> in dist/ (14 characters more).
      .max(FILE_NAME_MAX - 14, { error: tooLong(FILE_NAME_MAX - 14, `it names the folder <id>_windows_amd64, and folder names hold ${FILE_NAME_MAX} characters`) })
      .optional()
      .describe('Defaults to the binary name.'),
    main: z.string().default('.').describe('Main package directory, relative to release.yaml.'),
    binary: z
      .string()
      .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'must be a file name without a path (".exe" is added)')
      .max(FILE_NAME_MAX - 4, { error: tooLong(FILE_NAME_MAX - 4, `with ".exe" it is a file name, and those hold ${FILE_NAME_MAX} characters`) })
      .optional()
      .describe('Defaults to project.name.'),
    targets: z.array(target).min(1).default([...SUPPORTED_TARGETS]),
    gui: z.boolean().default(false).describe('Link with -H windowsgui (no console window).'),
    ldflags: z
      .union([z.string(), z.array(z.string())])
      .optional()
      // Checked here, with the file position, rather than after dist/ is claimed and other stages ran.
      .superRefine((value, check) => {
        const problem = templateProblem([value ?? []].flat().join(' '), LDFLAGS_FIELDS);
        if (problem) check.addIssue({ code: 'custom', message: problem });
      })
      .describe('Replaces the default "-s -w -X main.version={{.Version}} -X main.commit={{.Commit}} -X main.date={{.Date}}". Fields: {{.Version}} {{.Commit}} {{.ShortCommit}} {{.Date}} {{.ProjectName}}.'),
    flags: z
      .array(z.string())
      .default([])
      // go accepts -flag and --flag alike, so compare without the dashes.
      .refine((flags) => !flags.some((f) => RESERVED_FLAGS.includes(`-${f.split('=')[0]!.replace(/^-+/, '')}`)), {
        error: `must not contain ${RESERVED_FLAGS.join(', ')}: winship sets them (use ldflags, tags, buildvcs)`,
      }),
    tags: z.array(z.string().regex(/^[A-Za-z0-9_.]+$/, 'a build tag is letters, digits, "_" or "."')).default([]),
    env: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'not a valid environment variable name'), z.string()).default({}),
    buildvcs: z.boolean().default(false).describe('Let go stamp VCS info (off by default: it makes builds depend on the checkout state).'),
    resources: resources.default({ disabled: false, executionLevel: 'asInvoker' }),
  })
  .describe('One Go main package, built for each target.');

const GUID = GUID_PATTERN; // msi/wix/guid.ts: braces optional but balanced, as normaliseGuid takes it
const MSI_BACKENDS = ['auto', 'native', 'wixl', 'wix3', 'wix'] as const;

const msi = z
  .strictObject({
    disabled: z.boolean().default(false),
    backend: z
      .enum(MSI_BACKENDS, { error: supported('MSI backend', MSI_BACKENDS) })
      .default('auto')
      .describe('auto = native: winship writes the MSI itself, on every OS. wixl (msitools), wix3 (candle/light) and wix (WiX v4+) run those tools.'),
    upgradeCode: z
      .string()
      .regex(GUID, 'must be a GUID like 8B0C2D4E-1A2B-4C3D-9E8F-0123456789AB (run "release init" to generate one)')
      .optional()
      .describe('Fixed for the life of the product: MajorUpgrade finds older versions by it. "release init" writes one.'),
    productName: limited(MSI_PRODUCT_NAME_MAX, 'Windows Installer\'s ProductName property').min(1).optional().describe('Defaults to project.name.'),
    manufacturer: z.string().min(1).optional().describe('Defaults to project.vendor.'),
    installDir: limited(longNameMax(MSI_COLUMNS.defaultDir), longName('Directory.DefaultDir', MSI_COLUMNS.defaultDir)).min(1).optional().describe('Folder under Program Files; defaults to the product name.'),
    scope: z.enum(['perMachine', 'perUser'], { error: supported('install scope', ['perMachine', 'perUser']) }).default('perMachine'),
    targets: z.array(target).min(1).optional().describe('Default: every target built.'),
    prerelease: z
      .enum(PRERELEASE_MAPPINGS, { error: supported('pre-release mapping', PRERELEASE_MAPPINGS) })
      .default('error')
      .describe('How a pre-release version becomes a ProductVersion: error, strip (1.2.3-rc.1 → 1.2.3) or patch-offset (build = patch×100 + rc number, 99 for finals). Snapshots are always stripped, with a warning.'),
    files: fileSpecs('Extra files installed beside the binaries.'),
    exclude: z.array(z.string()).default([]).describe('Globs removed from files.'),
    template: z.string().optional().describe('Your own product template (see wix-templates/README.md).'),
    language: z.number().int().positive().max(LCID_MAX, { error: `must be a Windows LCID (a 16-bit number, at most ${LCID_MAX}), e.g. 1033` }).default(1033),
    codepage: z.number().int().positive().optional().describe(`The package's ANSI codepage. Default: ${DEFAULT_CODEPAGE} when every name and text fits in it, else the one codepage (932 Japanese, 1251 Cyrillic, 1253 Greek, …) that holds them all.`),
    shortcut: z
      .strictObject({
        target: z.string().describe('Installed file the Start-menu shortcut opens, e.g. hello.exe.'),
        name: limited(longNameMax(MSI_COLUMNS.shortcutName), longName('Shortcut.Name', MSI_COLUMNS.shortcutName)).optional(),
        description: limited(MSI_COLUMNS.shortcutDescription, column('Shortcut.Description', MSI_COLUMNS.shortcutDescription)).optional(),
        folder: limited(longNameMax(MSI_COLUMNS.defaultDir), longName('Directory.DefaultDir', MSI_COLUMNS.defaultDir)).optional(),
      })
      .optional(),
    addToPath: z.boolean().default(false).describe('Append the install folder to PATH (not with wixl 0.101).'),
    service: z
      .strictObject({
        binary: z.string().describe('Installed .exe that runs as the service.'),
        name: limited(MSI_COLUMNS.serviceName, column('ServiceInstall.Name', MSI_COLUMNS.serviceName)),
        displayName: limited(MSI_COLUMNS.serviceDisplayName, column('ServiceInstall.DisplayName', MSI_COLUMNS.serviceDisplayName)).optional(),
        description: limited(MSI_COLUMNS.serviceDescription, column('ServiceInstall.Description', MSI_COLUMNS.serviceDescription)).optional(),
        start: z.enum(['auto', 'demand', 'disabled']).default('auto'),
        account: limited(MSI_COLUMNS.serviceAccount, column('ServiceInstall.StartName', MSI_COLUMNS.serviceAccount)).optional(),
        arguments: limited(MSI_COLUMNS.serviceArguments, column('ServiceInstall.Arguments', MSI_COLUMNS.serviceArguments)).optional(),
      })
      .optional(),
    registry: z
      .array(
        z.strictObject({
          key: limited(MSI_COLUMNS.registryKey, column('Registry.Key', MSI_COLUMNS.registryKey)).describe('Below HKLM (per-machine) or HKCU (per-user).'),
          name: limited(MSI_COLUMNS.registryName, column('Registry.Name', MSI_COLUMNS.registryName)).optional(),
          type: z.enum(['string', 'integer', 'expandable']).default('string'),
          value: z.string().describe('[INSTALLFOLDER] expands to the install path.'),
        }),
      )
      .default([]),
    license: z.string().optional().describe('RTF license shown by the install UI (WiX backends).'),
    ui: z.boolean().default(false).describe('WixUI_InstallDir dialogs (WiX backends; needs license).'),
  })
  .describe('Windows Installer packages, one per target.');

/** Public RFC 3161 servers seen in practice (domain notes §3); probed and ranked before use. */
export const DEFAULT_TIMESTAMP_SERVERS = [
  'http://timestamp.digicert.com',
  'http://timestamp.sectigo.com',
  'http://timestamp.globalsign.com/tsa/r6advanced1',
  'http://ts.ssl.com',
  'http://time.certum.pl',
  'http://timestamp.entrust.net/TSS/RFC3161sha2TS',
  'http://timestamp.acs.microsoft.com',
];

const SIGN_BACKENDS = ['auto', 'osslsigncode', 'signtool'] as const;
const SIGNABLE = ['binary', 'msi', 'msix'] as const;

const certificate = z
  .strictObject({
    pfx: z.string().optional().describe('PKCS#12 file; its password comes from the environment variable passwordEnv.'),
    passwordEnv: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/).default('WINSHIP_PFX_PASSWORD').describe('Environment variable holding the PFX (or PEM key) password. Never put the password itself in release.yaml.'),
    cert: z.string().optional().describe('PEM certificate (with key, or with pkcs11).'),
    key: z.string().optional().describe('PEM private key (osslsigncode).'),
    pkcs11: z.strictObject({ module: z.string(), keyId: z.string(), engine: z.string().optional() }).optional().describe('PKCS#11 token (osslsigncode), with cert.'),
    thumbprint: z.string().regex(/^[0-9A-Fa-f]{40}$/, 'must be a 40-digit SHA-1 thumbprint').optional().describe('Windows certificate store (signtool /sha1).'),
    subject: z.string().optional().describe('Windows certificate store by subject (signtool /n).'),
    azure: z.strictObject({ dlib: z.string(), metadata: z.string() }).optional().describe('Azure Trusted Signing (signtool /dlib /dmdf).'),
  })
  .superRefine((c, ctx) => {
    const kinds = [c.pfx && 'pfx', c.key && 'cert+key', c.pkcs11 && 'pkcs11', c.thumbprint && 'thumbprint', c.subject && 'subject', c.azure && 'azure'].filter(Boolean);
    if (kinds.length !== 1) {
      ctx.addIssue({ code: 'custom', message: kinds.length ? `give one certificate source, not ${kinds.join(' and ')}` : 'give a certificate source: pfx, cert + key, pkcs11 (+ cert), thumbprint, subject or azure' });
    }
    if ((c.key || c.pkcs11) && !c.cert) ctx.addIssue({ code: 'custom', path: ['cert'], message: 'cert (a PEM certificate) is needed with key or pkcs11' });
  });

const sign = z
  .strictObject({
    disabled: z.boolean().default(false),
    backend: z.enum(SIGN_BACKENDS, { error: supported('signing backend', SIGN_BACKENDS) }).default('auto').describe('auto: signtool on Windows, osslsigncode elsewhere.'),
    certificate,
    description: z.string().optional().describe('Shown by Windows in the UAC prompt (-n / /d).'),
    url: z.url().optional().describe('Publisher URL (-i / /du).'),
    artifacts: z.array(z.enum(SIGNABLE, { error: supported('artifact kind to sign', SIGNABLE) })).default(['binary', 'msi', 'msix']),
    verify: z
      .strictObject({
        caFile: z.string().optional().describe('PEM roots the signing chain must reach (default: the system trust store).'),
        tsaCaFile: z.string().optional().describe('PEM roots the timestamp tokens must reach (default: the system trust store, where the public TSAs chain to; not caFile).'),
        onlineRevocation: z
          .boolean()
          .default(false)
          .describe('Fetch the CRLs named in the certificates while verifying (osslsigncode). Off by default: a CI machine without egress, or a slow CRL server, would fail the release although the signature is good.'),
      })
      .default({ onlineRevocation: false }),
  })
  .describe('Authenticode signing; every signature is verified, with its timestamp, before release.');

const timestampServer = z.union([
  z.url(),
  z.strictObject({ url: z.url(), minIntervalSeconds: z.number().min(0).describe('Wait at least this long between two requests to this server.') }),
]);

const timestamp = z
  .strictObject({
    servers: z.array(timestampServer).min(1).default(DEFAULT_TIMESTAMP_SERVERS).describe('RFC 3161 servers, in your order of preference; probed and ranked by latency when probe is on.'),
    timeoutSeconds: z.number().positive().default(15).describe('Per request: a signing attempt that takes longer is killed and the next server is tried.'),
    retries: z.number().int().min(0).max(10).default(2).describe('Extra rounds over all servers, with exponential backoff, before a file fails.'),
    minIntervalSeconds: z.number().min(0).default(0).describe('Default minimum gap between requests to one server (timestamp.sectigo.com asks for 15).'),
    probe: z.boolean().default(true).describe('Probe every server first and use the healthy ones, fastest first.'),
  })
  .describe('RFC 3161 timestamp servers.');

/** The kinds of release file a delta patch can make (patches.kinds; artifact kinds of the same names). */
export const PATCHABLE_KINDS = ['binary', 'msi', 'msix', 'archive'] as const;

const patches = z
  .strictObject({
    disabled: z.boolean().default(false),
    from: z
      .string()
      .optional()
      .describe('Folder of earlier releases, relative to release.yaml: each subfolder laid out like dist/ (its .winship/state.json or artifacts.json), e.g. releases/1.2.0/; or an update feed (a folder holding releases.json, or s3://bucket/prefix), whose releases.json is checked with the feed key (publish:). `release build --previous DIR…` names them instead.'),
    previous: z.number().int().min(1).max(50).default(3).describe('Make patches from the newest N earlier versions found.'),
    publicKey: z
      .string()
      .regex(/^[A-Za-z0-9+/]{43}=$/, 'must be the base64 of 32 bytes (what release feed keygen prints)')
      .optional()
      .describe('The feed public key (base64) that checks releases.json when patches.from is a feed: the build then needs no private key (default: publish.publicKey, else the feed key\'s public half).'),
    kinds: z
      .array(z.enum(PATCHABLE_KINDS))
      .min(1)
      .default(['binary'])
      .describe('Which signed files get patches: binary (the exes, default), msi, msix, archive (the zips).'),
    maxShare: z.number().gt(0).max(1).default(0.5).describe('Skip a patch larger than this share of the new file compressed (deflate): a download that small is not worth a patch.'),
  })
  .describe('Delta patches from earlier releases to this one (docs/patch-format.md).');

const publish = z
  .strictObject({
    feed: z.string().min(1).describe('Where the update feed is: a folder (relative to release.yaml) or s3://bucket/prefix (docs/feed-format.md).'),
    baseUrl: z.string().min(1).describe('The http(s) URL the feed is served from: the .appinstaller files and clients find files under it.'),
    keep: z.number().int().min(1).optional().describe('Keep the newest K versions in the feed (default: all).'),
    feedKey: z.string().optional().describe('File holding the feed private key (PKCS#8 PEM, release feed keygen), relative to release.yaml; default: the WINSHIP_FEED_KEY environment variable.'),
    publicKey: z
      .string()
      .regex(/^[A-Za-z0-9+/]{43}=$/, 'must be the base64 of 32 bytes (what release feed keygen prints)')
      .optional()
      .describe('The feed public key (base64): checks releases.json when patches are read from the feed without the private key.'),
    s3Endpoint: z.url().optional().describe('The S3 endpoint for an s3:// feed (default: AWS_ENDPOINT_URL, else AWS).'),
    s3PathStyle: z.boolean().optional().describe('Path-style S3 addressing (http://host/bucket/key), for S3-compatible servers; default: on for an endpoint on an IP address or localhost.'),
  })
  .describe('Publish the release to an update feed, last (release publish does the same by hand).');

export const configSchema = z
  .strictObject({
    project: z.strictObject({
      name: z
        .string()
        .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'must be letters, digits, ".", "-" or "_" (it becomes part of file names)')
        .max(FILE_NAME_MAX - 4, { error: tooLong(FILE_NAME_MAX - 4, `release file names start with it (<name>.exe, <name>_<version>_windows_amd64.zip), and a file name holds ${FILE_NAME_MAX} characters`) }),
      description: z.string().default(''),
      vendor: z.string().default(''),
      homepage: z.url().optional(),
      license: z.string().optional(),
      copyright: z.string().optional().describe('LegalCopyright; defaults to "Copyright (C) <commit year> <vendor>".'),
    }),
    version: semverString.optional().describe('Used when neither --version nor a vX.Y.Z tag on HEAD gives one.'),
    dist: z.string().default('dist').describe('Output folder, relative to release.yaml.'),
    builds: z.array(build).min(1, 'needs at least one build'),
    archives: z
      .strictObject({
        disabled: z.boolean().default(false),
        files: fileSpecs('Files packed beside the binaries.'),
      })
      .default({ disabled: false, files: [] }),
    msi: msi.optional(),
    msix: msixConfigSchema.optional(),
    sign: sign.optional(),
    patches: patches.optional(),
    publish: publish.optional(),
    winget: wingetConfigSchema.optional(),
    scoop: scoopConfigSchema.optional(),
    timestamp: timestamp.default({ servers: DEFAULT_TIMESTAMP_SERVERS, timeoutSeconds: 15, retries: 2, minIntervalSeconds: 0, probe: true }),
  })
  .superRefine((cfg, ctx) => {
    const seen = new Map<string, number>();
    cfg.builds.forEach((b, i) => {
      const id = b.id ?? b.binary ?? cfg.project.name;
      const first = seen.get(id);
      if (first !== undefined) {
        const path = b.id !== undefined ? ['builds', i, 'id'] : ['builds', i];
        ctx.addIssue({ code: 'custom', path, message: `duplicate build id "${id}" (also builds[${first}]); give each build its own id` });
      }
      seen.set(id, i);
    });
    // Caught here, with a position, instead of after every Go build has run.
    if (cfg.msi && !cfg.msi.disabled && !cfg.msi.manufacturer && !cfg.project.vendor) {
      ctx.addIssue({ code: 'custom', path: ['msi'], message: 'an MSI must name its manufacturer: set project.vendor or msi.manufacturer' });
    }
    if (cfg.msi && !cfg.msi.disabled) msiDefaultsProblems(cfg).forEach((issue) => ctx.addIssue({ code: 'custom', ...issue }));
  })
  .describe('winship release configuration (release.yaml)');

/**
 * Limits on values the MSI takes from elsewhere when msi: leaves them out: the product name
 * (project.name by default) and the per-user registry key the template writes for a shortcut or
 * PATH entry, Software\<manufacturer>\<product name>, in a Registry.Key column of 255.
 */
function msiDefaultsProblems(cfg: { project: { name: string; vendor: string }; msi?: { productName?: string; manufacturer?: string; shortcut?: unknown; addToPath: boolean } }) {
  const issues: { path: (string | number)[]; message: string }[] = [];
  const msiCfg = cfg.msi!;
  const productName = msiCfg.productName ?? cfg.project.name;
  if (msiCfg.productName === undefined && productName.length > MSI_PRODUCT_NAME_MAX) {
    issues.push({
      path: ['project', 'name'],
      message: `${productName.length} characters: the MSI's ProductName is project.name (msi.productName is not set), and Windows Installer's ProductName holds at most ${MSI_PRODUCT_NAME_MAX}; set a shorter msi.productName`,
    });
  }
  const manufacturer = msiCfg.manufacturer ?? cfg.project.vendor;
  const key = `Software\\${manufacturer}\\${productName}`;
  if ((msiCfg.shortcut !== undefined || msiCfg.addToPath) && key.length > MSI_COLUMNS.registryKey) {
    issues.push({
      path: msiCfg.manufacturer !== undefined ? ['msi', 'manufacturer'] : ['project', 'vendor'],
      message: `the installer records its shortcut or PATH entry under the registry key Software\\<manufacturer>\\<product name>, ${key.length} characters here; the MSI Registry.Key column holds ${MSI_COLUMNS.registryKey}: shorten the manufacturer or the product name`,
    });
  }
  return issues;
}

export type ConfigInput = z.input<typeof configSchema>;
type Parsed = z.output<typeof configSchema>;
type ParsedBuild = Parsed['builds'][number];

/** A build after defaults: id and binary always present. */
export type BuildConfig = Omit<ParsedBuild, 'id' | 'binary'> & { id: string; binary: string };
export type Config = Omit<Parsed, 'builds'> & { builds: BuildConfig[] };

/** Fill in what depends on other values (GoReleaser's Default step). */
export function applyDefaults(parsed: Parsed): Config {
  return {
    ...parsed,
    builds: parsed.builds.map((b) => {
      const binary = b.binary ?? parsed.project.name;
      return { ...b, binary, id: b.id ?? binary };
    }),
  };
}

export function releaseJsonSchema(): Record<string, unknown> {
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    $id: 'https://winship.dev/schema/release.schema.json',
    title: 'winship release.yaml',
    ...z.toJSONSchema(configSchema, { io: 'input', target: 'draft-2020-12' }),
  };
}
