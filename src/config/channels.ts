// release.yaml's winget: and scoop: sections — the manifests Windows package managers install a
// release from. Shape and simple rules only; what the published schemas require of the values
// (lengths, patterns) is checked against those schemas when the run starts, at these keys.

import { z } from 'zod';
import { renderFieldTemplate, templateProblem } from './template.js';

/** Fields a download URL template may use. */
export const DOWNLOAD_URL_FIELDS = ['Version', 'Tag', 'ProjectName'] as const;

/** What a base URL template is refused for, or undefined. */
export function downloadUrlProblem(template: string): string | undefined {
  const fields = templateProblem(template, DOWNLOAD_URL_FIELDS);
  if (fields) return fields;
  const sample = renderFieldTemplate(template, { Version: '1.2.3', Tag: 'v1.2.3', ProjectName: 'app' });
  let url: URL;
  try {
    url = new URL(sample);
  } catch {
    return `"${template}" is not a URL (expected https://…/, e.g. https://github.com/acme/app/releases/download/{{.Tag}}/)`;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return `"${template}" is a ${url.protocol} URL; package managers download over https:// (or http://)`;
  if (url.username || url.password) return `"${template}" holds credentials: package managers download without them, and the URL is published`;
  if (url.search || url.hash) return `"${template}" has a query or fragment; the file name is appended to it, so it must end with a path`;
  return undefined;
}

const downloadUrl = z
  .string()
  .superRefine((value, check) => {
    const problem = downloadUrlProblem(value);
    if (problem) check.addIssue({ code: 'custom', message: problem });
  })
  .describe('Where the release files are served, the file name appended: https://github.com/acme/app/releases/download/{{.Tag}}/. Fields: {{.Version}} {{.Tag}} {{.ProjectName}}.');

const WINGET_INSTALLERS = ['auto', 'msi', 'zip'] as const;

export const wingetConfigSchema = z
  .strictObject({
    disabled: z.boolean().default(false),
    baseUrl: downloadUrl.optional().describe('Where the MSIs (or zips) are served, the file name appended (`release channels --base-url` sets it for one run).'),
    packageIdentifier: z.string().optional().describe('Publisher.Package, e.g. Acme.Hello (default: vendor and project name, letters and digits). Never change it: it is the package.'),
    publisher: z.string().optional().describe('Default: msi.manufacturer, else project.vendor.'),
    packageName: z.string().optional().describe('Default: msi.productName, else project.name.'),
    license: z.string().optional().describe('Default: project.license (winget requires one).'),
    licenseUrl: z.url().optional(),
    shortDescription: z.string().optional().describe('Default: project.description.'),
    moniker: z.string().optional().describe('The short name users type (winget install hello).'),
    tags: z.array(z.string()).max(16).default([]),
    releaseNotesUrl: z.url().optional(),
    installer: z
      .enum(WINGET_INSTALLERS, { error: (iss) => `${JSON.stringify(iss.input)} is not a winget installer choice (supported: ${WINGET_INSTALLERS.join(', ')})` })
      .default('auto')
      .describe('What winget installs: msi (the MSI packages), zip (the zips, as portable commands), or auto: the MSIs when the release has them.'),
  })
  .describe('winget manifests (version, installer, default locale) for winget-pkgs or a private source, written to dist/winget/.');

export const scoopConfigSchema = z
  .strictObject({
    disabled: z.boolean().default(false),
    baseUrl: downloadUrl.optional().describe('Where the zips are served, the file name appended (`release channels --base-url` sets it for one run).'),
    name: z
      .string()
      .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'must be letters, digits, ".", "-" or "_" (it names the manifest file, and users type it)')
      .optional()
      .describe('The app name in the bucket: dist/scoop/<name>.json (default: project.name).'),
    description: z.string().optional().describe('Default: project.description.'),
    license: z.string().optional().describe('SPDX identifier (default: project.license).'),
    bin: z.array(z.string()).optional().describe('Executables put on PATH (default: every build\'s binary).'),
    shortcuts: z.boolean().optional().describe('Start-menu shortcuts for gui builds (default: yes).'),
    notes: z.array(z.string()).default([]).describe('Shown after installing.'),
    checkver: z
      .union([z.literal(false), z.strictObject({ github: z.url() }), z.strictObject({ url: z.url(), regex: z.string() })])
      .optional()
      .describe('How `scoop update` finds a new version (default: the GitHub releases of project.homepage when it is a github.com repository; false: none).'),
    autoupdate: z.boolean().default(true).describe('Write autoupdate URLs (the base URL with $version), so a bucket can follow new releases; hashes come from the checksums file.'),
  })
  .describe('A Scoop manifest for the zips, for a bucket, written to dist/scoop/<name>.json.');

export type WingetConfig = z.output<typeof wingetConfigSchema>;
export type ScoopConfig = z.output<typeof scoopConfigSchema>;
