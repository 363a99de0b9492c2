// The three Windows architectures an MSI can target, and the MSI facts that follow from each.

import type { WindowsArch } from '../../util/arch.js';

/** Windows Installer's names for the architectures (src/util/arch.ts). */
export type WixArch = WindowsArch;

export const WIX_ARCHES: readonly WixArch[] = ['x86', 'x64', 'arm64'];

/** 64-bit packages mark every component 64-bit (msidbComponentAttributes64bit, 256); wixl 0.101
 * only honours that per component (`Win64="yes"`), not through Package/@Platform. */
export function isWin64(arch: WixArch): boolean {
  return arch !== 'x86';
}

/** x64 and arm64 install under "Program Files", x86 under "Program Files (x86)". */
export function programFilesFolder(arch: WixArch): 'ProgramFilesFolder' | 'ProgramFiles64Folder' {
  return isWin64(arch) ? 'ProgramFiles64Folder' : 'ProgramFilesFolder';
}

/**
 * Minimum Windows Installer version, written as Package/@InstallerVersion (summary "Page Count").
 * ARM64 packages need 5.0 (500); so does a per-user install through ALLUSERS=2 +
 * MSIINSTALLPERUSER=1. Everything else runs on 2.0 (200).
 */
export function installerVersion(arch: WixArch, scope: 'perMachine' | 'perUser' = 'perMachine'): 200 | 500 {
  return arch === 'arm64' || scope === 'perUser' ? 500 : 200;
}

/** Summary information "Template" platform token as WiX writes it (Intel, x64, Arm64). */
export function summaryPlatform(arch: WixArch): 'Intel' | 'x64' | 'Arm64' {
  return arch === 'x86' ? 'Intel' : arch === 'x64' ? 'x64' : 'Arm64';
}
