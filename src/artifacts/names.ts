import type { BuildConfig } from '../config/schema.js';
import { windowsArchOf, type GoArch } from '../util/arch.js';

// Every output name is formed here, so every stage names files the same way.

/** What names are made of: the release context has both. */
export interface NamingFacts {
  config: { project: { name: string } };
  release: { version: string };
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

export function msiName(ctx: NamingFacts, arch: GoArch): string {
  return `${ctx.config.project.name}_${ctx.release.version}_${windowsArchOf(arch)}.msi`;
}

/**
 * patches/<name>_<from>_to_<to>_<arch>.<ext>.patch: what it makes (the binary's name, or the
 * project's for a package), between which versions, for which architecture, and the extension of
 * the file it makes.
 */
export function patchName(name: string, from: string, to: string, arch: GoArch, ext: string): string {
  return `patches/${name}_${from}_to_${to}_${arch}.${ext}.patch`;
}

export const PATCH_INDEX = 'patches.json';
export const ARTIFACTS_JSON = 'artifacts.json';
export const METADATA_JSON = 'metadata.json';
/** Marks a dist folder as ours, so --clean never deletes a folder it did not make. */
export const DIST_MARKER = '.winship-dist';
/** winship's own files inside dist/: the release state, and work folders of a run. */
export const STATE_DIR = '.winship';
export const STATE_FILE = `${STATE_DIR}/state.json`;
/** The throwaway root a --dev-cert run signed with (public only): what `release verify` trusts for it. */
export const DEV_ROOT_FILE = `${STATE_DIR}/dev-cert-root.pem`;

/** An MSIX package: `<Identity Name>_<four-part version>_<arch>.msix`, as makeappx names them. */
export function msixName(identity: { name: string; version: string }, arch: GoArch): string {
  return `${identity.name}_${identity.version}_${windowsArchOf(arch)}.msix`;
}

/** Its App Installer file: no version in the name, since installed copies keep asking that URL for updates. */
export function appinstallerName(identity: { name: string }, arch: GoArch): string {
  return `${identity.name}_${windowsArchOf(arch)}.appinstaller`;
}
