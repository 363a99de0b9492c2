import { descriptionPlaceholder, VENDOR_PLACEHOLDER } from '../config/placeholders.js';

// The release.yaml `release init` writes: what it found, each guess with a comment saying where
// it came from, placeholders (refused by a release, allowed in a snapshot) where it found
// nothing. Pure: the model in, YAML text out.

/** A value and where it was found ("LICENSE", "the git remote origin"). */
export interface Guess {
  value: string;
  from: string;
}

export interface StarterBuild {
  id: string;
  /** The main package's folder, as go takes it: ".", "./cmd/tool". */
  main: string;
  binary: string;
  gui: boolean;
  ldflags: string;
  /** What the ldflags set, for the comment ("main.version, main.commit"); empty: none found. */
  sets: readonly string[];
  icon?: string;
}

export interface StarterModel {
  name: string;
  description?: Guess;
  vendor?: Guess;
  homepage?: Guess;
  license?: Guess;
  builds: readonly StarterBuild[];
  /** Files found to ship beside the binaries: README.md, LICENSE. */
  files: readonly string[];
  upgradeCode: string;
  /** Where a tagged release's files are served (winget and Scoop manifests), when known. */
  downloadUrl?: string;
  /** What init read, for the heading comment. */
  sources: readonly string[];
}

const q = (text: string) => JSON.stringify(text);
const comment = (from: string) => `  # ${from}`;

export function renderStarterConfig(m: StarterModel): string {
  const lines: string[] = [];
  const add = (...more: string[]) => lines.push(...more);
  add(
    '# yaml-language-server: $schema=https://winship.dev/schema/release.schema.json',
    `# winship release configuration, written by "release init" from ${m.sources.join(', ')}.`,
    '# Check the guesses (each says where it came from); replace every TODO before a release.',
    '# Every key: "Configuration" in winship\'s README.',
    'project:',
    `  name: ${q(m.name)}`,
  );
  const description = m.description ?? { value: descriptionPlaceholder(m.name), from: 'TODO: found no package doc or README sentence' };
  add(`  description: ${q(description.value)}${comment(description.from)}`);
  const vendor = m.vendor ?? { value: VENDOR_PLACEHOLDER, from: 'TODO: found no copyright holder or git author; it becomes CompanyName, the copyright and the MSI Manufacturer' };
  add(`  vendor: ${q(vendor.value)}${comment(vendor.from)}`);
  if (m.homepage) add(`  homepage: ${q(m.homepage.value)}${comment(m.homepage.from)}`);
  if (m.license) add(`  license: ${q(m.license.value)}${comment(m.license.from)}`);
  add('', 'builds:');
  for (const b of m.builds) {
    add(`  - id: ${q(b.id)}`, `    main: ${q(b.main)}`, `    binary: ${q(b.binary)}`, '    targets: [windows/amd64, windows/arm64, windows/386]');
    if (b.gui) add('    gui: true  # imports a GUI toolkit: no console window (-H windowsgui)');
    add(
      b.sets.length
        ? `    # sets ${b.sets.join(', ')}: the version variables ${b.main} declares`
        : `    # ${b.main} declares no version variable; to show the release version, add var version = "dev" to package main and -X main.version={{.Version}} here`,
      `    ldflags: ${q(b.ldflags)}`,
    );
    if (b.icon) add('    resources:', `      icon: ${q(b.icon)}`);
  }
  const files = m.files.map((f) => `    - ${q(f)}`);
  add('', '# One zip per target: the binaries and these files (a path without wildcards must exist).', 'archives:', ...(files.length ? ['  files:', ...files] : ['  files: []']));
  add(
    '',
    '# Windows Installer packages, one per target.',
    'msi:',
    '  # Ties every version of this product together (MajorUpgrade): generated once; never change it.',
    `  upgradeCode: ${m.upgradeCode}`,
    ...(files.length ? ['  files:', ...files] : []),
  );
  const gui = m.builds.find((b) => b.gui);
  if (gui) add('  shortcut:', `    target: ${q(`${gui.binary}.exe`)}`);
  if (m.downloadUrl && m.license && m.homepage) {
    add(
      '',
      '# Package managers: winget and Scoop manifests in dist/winget/ and dist/scoop/, pointing at the',
      '# files where a tagged release serves them (upload the MSIs, zips and checksums there).',
      'winget:',
      `  baseUrl: ${q(m.downloadUrl)}`,
      'scoop:',
      `  baseUrl: ${q(m.downloadUrl)}`,
    );
  } else {
    add(
      '',
      `# Package managers (winget, Scoop): ${m.license ? '' : 'set project.license, '}${m.homepage ? '' : 'set project.homepage, '}then give the URL the release files are served from:`,
      '# winget:',
      '#   baseUrl: https://github.com/OWNER/REPO/releases/download/{{.Tag}}/',
      '# scoop:',
      '#   baseUrl: https://github.com/OWNER/REPO/releases/download/{{.Tag}}/',
    );
  }
  add(
    '',
    '# Signing: "release build --dev-cert" signs with a throwaway certificate and a local timestamp',
    '# authority, for tests on this machine. For a release, name your certificate (README "Signing"):',
    '# sign:',
    '#   certificate:',
    '#     pfx: certs/codesign.pfx   # its password from $WINSHIP_PFX_PASSWORD, never in this file',
    '',
  );
  return lines.join('\n');
}
