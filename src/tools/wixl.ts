import type { WindowsArch } from '../util/arch.js';
import type { Tool, ToolRunner } from './runner.js';

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

/** `wixl --version` ("0.101"); undefined in a dry run, where nothing runs. */
export async function wixlVersion(runner: ToolRunner, cwd: string): Promise<string | undefined> {
  if (runner.dryRun) return undefined;
  return (await runner.run({ tool: wixl, args: ['--version'], cwd, readOnly: true, timeoutMs: 30_000 })).stdout.trim();
}

export interface WixlBuild {
  /** Holds the sources; Source paths in them are relative to it (wixl cannot open absolute ones). */
  workDir: string;
  sources: readonly string[];
  output: string;
  arch: Exclude<WindowsArch, 'arm64'>;
  /** What msibuild then writes into the summary stream (see msibuildSummaryArgs). */
  summary: { subject: string; author: string; template: string; packageCode: string };
  /** What the package is, for messages ("arm64 MSI"). */
  subject: string;
  signal?: AbortSignal;
}

/** wixl, then msibuild to set the summary's platform and PackageCode. */
export async function buildWithWixl(runner: ToolRunner, b: WixlBuild): Promise<void> {
  await runner.run({ tool: wixl, args: wixlArgs({ arch: b.arch, output: b.output, sources: b.sources }), cwd: b.workDir, signal: b.signal, timeoutMs: 60 * 60_000, subject: b.subject });
  await runner.run({ tool: msibuild, args: msibuildSummaryArgs({ msi: b.output, ...b.summary }), cwd: b.workDir, signal: b.signal, timeoutMs: 5 * 60_000 });
}
