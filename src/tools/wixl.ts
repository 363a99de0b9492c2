import type { Tool } from './runner.js';

export const wixl: Tool = { name: 'wixl', command: 'wixl', install: 'apt-get install wixl' };
export const msibuild: Tool = { name: 'msibuild', command: 'msibuild', install: 'apt-get install msitools' };
export const msiinfo: Tool = { name: 'msiinfo', command: 'msiinfo', install: 'apt-get install msitools' };

/** wixl takes x86 and x64 only (0.101 rejects arm64: "arch of type 'arm64' is not supported"). */
export function wixlArgs(opts: { arch: 'x86' | 'x64'; output: string; sources: readonly string[] }): string[] {
  return ['-a', opts.arch, '-o', opts.output, ...opts.sources];
}

/**
 * `msibuild MSI -s Subject Author Template RevisionNumber`: rewrites the summary stream. wixl
 * writes a random PackageCode and cannot say Arm64, so after it we set the platform
 * ("Arm64;1033") and a PackageCode derived from the package's inputs. Subject and Author are
 * overwritten too, so they are passed again with the values wixl wrote.
 */
export function msibuildSummaryArgs(opts: { msi: string; subject: string; author: string; template: string; packageCode: string }): string[] {
  return [opts.msi, '-s', opts.subject, opts.author, opts.template, `{${opts.packageCode}}`];
}
