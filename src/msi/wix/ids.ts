// WiX identifiers (Directory/@Id, File/@Id, Component/@Id, ...) derived from install-relative
// paths. The same path always gives the same Id, so an unchanged file keeps its File and
// Component keys from one release to the next, and two runs write identical sources.

import { hash } from 'node:crypto';
import { StageError } from '../../util/errors.js';

/** WiX `Common.cs`: an identifier starts with a letter or `_`, then letters, digits, `_`, `.`. */
export const WIX_ID_PATTERN = /^[_A-Za-z][0-9A-Za-z_.]*$/;
/** WiX `Common.cs`: identifiers longer than 72 characters are refused (MSI key columns are s72). */
export const WIX_ID_MAX_LENGTH = 72;
/** Hex characters of the SHA-256 kept in a derived Id (128 bits, same length as heat's MD5). */
export const WIX_ID_HASH_LENGTH = 32;

export function isValidWixId(id: string): boolean {
  return id.length <= WIX_ID_MAX_LENGTH && WIX_ID_PATTERN.test(id);
}

export function assertWixId(id: string, what: string): string {
  if (!isValidWixId(id)) {
    throw new StageError(
      `${what} "${id}" is not a valid WiX identifier: it must match ${String(WIX_ID_PATTERN)} ` +
        `and be at most ${WIX_ID_MAX_LENGTH} characters long.`,
    );
  }
  return id;
}

/**
 * Normalises an install-relative path: forward slashes between segments, no empty or `.`
 * segments, no trailing slash. Absolute paths and `..` segments are refused: a payload path
 * must stay inside the install folder. Backslashes are left alone on purpose — on Linux they
 * are part of a file name, and the name rules (payload.ts) refuse them.
 */
// Already normal: no empty, "." or ".." segment, not absolute, no drive letter.
const NEEDS_NORMALISING = /(^|\/)\.{0,2}(\/|$)|^[A-Za-z]:/;

export function normaliseRelativePath(relativePath: string): string {
  if (relativePath !== '' && !NEEDS_NORMALISING.test(relativePath)) return relativePath;
  if (relativePath.startsWith('/') || /^[A-Za-z]:/.test(relativePath)) {
    throw new StageError(`Payload path "${relativePath}" is absolute; expected a path relative to the install folder.`);
  }
  const segments = relativePath.split('/').filter((s) => s !== '' && s !== '.');
  if (segments.includes('..')) {
    throw new StageError(`Payload path "${relativePath}" contains "..": it would leave the install folder.`);
  }
  if (segments.length === 0) {
    throw new StageError(`Payload path "${relativePath}" is empty: it names the install folder itself.`);
  }
  return segments.join('/');
}

/**
 * A file or folder name as the package installs it: Unicode NFC, so a name typed on macOS (NFD)
 * installs as it would from anywhere else. The harvest writes this form, and the payload's
 * codepage check checks it.
 */
export function installedName(name: string): string {
  return name.normalize('NFC');
}

/**
 * The key of an install path: normalised, Unicode NFC, lower-cased. Windows file names are
 * case-insensitive, so `App.exe` and `app.exe` are the same installed file and must get the
 * same Id and component GUID. NFC makes a name typed on macOS (NFD) match the same name typed
 * elsewhere. `toLowerCase` (not `toLocaleLowerCase`) keeps the key independent of the locale.
 * A backslash is not a separator here (see normaliseRelativePath): `a\b` keeps its own key.
 *
 * This and normalisedPathKey are the only definition of the key: file, component and directory
 * Ids, component GUIDs and the harvest's duplicate check all use them, so two spellings they
 * treat as one file are one file everywhere. The payload's case-twin check (payload/names.ts
 * caseFoldKey) folds this same key further (σ/ς, the Kelvin sign), so it refuses every pair
 * that would share an Id, and a few more.
 */
export function pathKey(relativePath: string): string {
  return normalisedPathKey(normaliseRelativePath(relativePath));
}

/**
 * pathKey of a path normaliseRelativePath has already returned, without normalising it again:
 * for loops over many normalised paths (harvest, payload name checks).
 */
export function normalisedPathKey(normalisedPath: string): string {
  return normalisedPath.normalize('NFC').toLowerCase();
}

/**
 * The first 32 hex digits (upper case, like heat) of SHA-256 over UTF-8 `key`: the Id suffix.
 * One-shot crypto.hash (a string is hashed as UTF-8): a Hash object per call was a tenth of a
 * 50,000-file harvest.
 */
export function idHash(key: string): string {
  return hash('sha256', key, 'hex').slice(0, WIX_ID_HASH_LENGTH).toUpperCase();
}

/** `prefix` + idHash(key). */
export function hashedId(prefix: string, key: string): string {
  if (!/^[_A-Za-z][0-9A-Za-z_]*$/.test(prefix)) {
    throw new StageError(`WiX Id prefix "${prefix}" must start with a letter or "_" and hold only letters, digits and "_".`);
  }
  return assertWixId(prefix + idHash(key), 'Derived Id');
}

/** Directory/@Id for an install-relative directory path. */
export function directoryId(relativePath: string): string {
  return hashedId('dir', pathKey(relativePath));
}

/** File/@Id for an install-relative file path (also the `[#Id]` used by shortcuts). */
export function fileId(relativePath: string): string {
  return hashedId('fil', pathKey(relativePath));
}

/** Component/@Id for the component that holds one file, or one empty directory. */
export function componentId(relativePath: string): string {
  return hashedId('cmp', pathKey(relativePath));
}
