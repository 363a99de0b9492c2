// 8.3 short names for the File, Directory and Shortcut tables' "short|long" columns. Windows
// Installer uses the short name only on volumes with 8.3 names enabled, but it must be a valid
// one and unique in its folder. A long name that already is a valid 8.3 name stands alone.
// Otherwise the short name is derived from the folder and the long name (like WiX's
// GenerateShortName: a hash, so it never changes between releases), with the long name's
// extension when that is valid.

import { hash } from 'node:crypto';

/** WiX v3 CompilerCore: 1-8 characters, an optional extension of up to 3, none of \ ? | > < : / * " + , ; = [ ] . space. */
const SHORT_PART = /^[^\\?|><:/*"+,;=[\]. ]{1,8}$/;
const SHORT_EXT = /^[^\\?|><:/*"+,;=[\]. ]{0,3}$/;

export function isShortName(name: string): boolean {
  // ASCII only: a short name is stored in the OEM codepage, and only ASCII is the same in all of them.
  if (!/^[\x21-\x7e]+$/.test(name)) return false;
  const dot = name.indexOf('.');
  if (dot < 0) return SHORT_PART.test(name);
  return SHORT_PART.test(name.slice(0, dot)) && SHORT_EXT.test(name.slice(dot + 1));
}

const ALPHABET = '0123456789abcdefghijklmnopqrstuvwxyz';

/** Gives each folder's names their short names, unique (case-insensitively) in the folder. */
export class ShortNames {
  private readonly taken = new Map<string, Set<string>>();

  /** "short|long", or the name alone when it is a valid short name itself. */
  column(folder: string, long: string): string {
    const used = this.used(folder);
    if (isShortName(long) && !used.has(long.toUpperCase())) {
      used.add(long.toUpperCase());
      return long;
    }
    const dot = long.lastIndexOf('.');
    const ext = dot > 0 ? long.slice(dot + 1) : '';
    const keepExt = ext.length > 0 && ext.length <= 3 && /^[0-9A-Za-z_]+$/.test(ext) ? `.${ext.toLowerCase()}` : '';
    for (let attempt = 0; ; attempt++) {
      const digest = hash('sha256', `${folder}|${long}|${attempt}`, 'buffer');
      let base = '';
      for (let i = 0; i < 8; i++) base += ALPHABET[digest[i]! % ALPHABET.length];
      const short = base + keepExt;
      if (!used.has(short.toUpperCase())) {
        used.add(short.toUpperCase());
        return `${short}|${long}`;
      }
    }
  }

  private used(folder: string): Set<string> {
    let set = this.taken.get(folder);
    if (!set) this.taken.set(folder, (set = new Set()));
    return set;
  }
}
