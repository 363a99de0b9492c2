import type { BuildConfig } from '../config/schema.js';

// Every output name is formed here, so every stage names files the same way.

/** What names are made of: the release context has both. */
export interface NamingFacts {
  config: { project: { name: string } };
  release: { version: string };
}

export type GoArch = 'amd64' | 'arm64' | '386';

export function archOf(target: string): GoArch {
  return target.split('/')[1] as GoArch;
}

export function binaryFolder(build: BuildConfig, arch: GoArch): string {
  return `${build.id}_windows_${arch}`;
}

export function binaryFile(build: BuildConfig): string {
  return `${build.binary}.exe`;
}

export function archiveName(ctx: NamingFacts, arch: GoArch): string {
  return `${ctx.config.project.name}_${ctx.release.version}_windows_${arch}.zip`;
}

export function checksumsName(ctx: NamingFacts): string {
  return `${ctx.config.project.name}_${ctx.release.version}_checksums.txt`;
}

export const ARTIFACTS_JSON = 'artifacts.json';
export const METADATA_JSON = 'metadata.json';
/** Marks a dist folder as ours, so --clean never deletes a folder it did not make. */
export const DIST_MARKER = '.winship-dist';

/** Windows Installer's names for our targets. */
export function wixArchOf(arch: GoArch): 'x64' | 'x86' | 'arm64' {
  return arch === 'amd64' ? 'x64' : arch === '386' ? 'x86' : 'arm64';
}

export function msiName(ctx: NamingFacts, arch: GoArch): string {
  return `${ctx.config.project.name}_${ctx.release.version}_${wixArchOf(arch)}.msi`;
}
