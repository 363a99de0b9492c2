// GUIDs an MSI needs, derived instead of random: RFC 4122 name-based UUIDs (version 5, SHA-1).
//
// Why not `Guid="*"`: WiX v3 and wixl compute it differently (WiX: namespace
// {3064E5C6-FB63-4FE9-AC49-E446A792EFA5} over the lower-cased target path; wixl: namespace
// {de73ba5a-...} over directory names + component id + file name), so switching backends would
// change every component code and break upgrades. Deriving them ourselves from the UpgradeCode
// gives the same GUIDs whatever builds the package.
//
// Format: bare, upper case, no braces (`886313E1-3B8A-5372-9B90-0C9AEE199E5D`). WiX v3, WiX v4+
// and wixl accept it; the MSI tables then hold the braced form (`{...}`), which MSI requires
// upper case.

import { hash } from 'node:crypto';
import { StageError } from '../../util/errors.js';
import type { WixArch } from './arch.js';
import { normalisedPathKey, pathKey } from './ids.js';

/** RFC 4122 appendix C name-space ids. */
export const NAMESPACE_DNS = '6BA7B810-9DAD-11D1-80B4-00C04FD430C8';
export const NAMESPACE_URL = '6BA7B811-9DAD-11D1-80B4-00C04FD430C8';

const GUID_DIGITS = '[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}';
/**
 * What a GUID may look like wherever one is given (release.yaml's msi.upgradeCode, CLI flags,
 * options): 8-4-4-4-12 hex digits in any case, with braces or without, but not with one brace.
 * The one definition: config validates with it (and publishes it as the JSON Schema pattern),
 * isGuid and normaliseGuid test with it. The braces are balanced by the regex itself (two
 * branches, no look-around) so that a JSON Schema validator in any language accepts the same.
 */
export const GUID_PATTERN = new RegExp(`^(?:\\{${GUID_DIGITS}\\}|${GUID_DIGITS})$`);

/** Upper-case hex digit of byte 8's high nibble once the RFC 4122 variant bits (10xx) are set.
 * (Declared before WINSHIP_UPGRADE_NAMESPACE, which needs it.) */
const VARIANT_DIGIT: Readonly<Record<string, string>> = Object.fromEntries([...'0123456789abcdef'].map((d, i) => [d, '89AB'[i & 0x3]!]));

/** Namespace of UpgradeCodes made up from a project name: uuid5(URL, this project's URL). */
export const WINSHIP_UPGRADE_NAMESPACE = uuidV5(NAMESPACE_URL, 'https://github.com/winship/winship#upgrade-code');

export function isGuid(value: string): boolean {
  return GUID_PATTERN.test(value);
}

/**
 * Accepts a GUID with or without braces, in any case, and returns it bare and upper case.
 * Surrounding white space is dropped first (flag values); config values must come without.
 * `what` names the value in the error (e.g. "msi.upgrade_code").
 */
export function normaliseGuid(value: string, what = 'GUID'): string {
  const guid = value.trim();
  if (!isGuid(guid)) {
    throw new StageError(
      `${what} "${value}" is not a GUID; expected 8-4-4-4-12 hex digits such as ` +
        `"6F1D3C2A-0B4E-4C6F-9A1B-2C3D4E5F6071" (braces optional).`,
    );
  }
  return (guid.startsWith('{') ? guid.slice(1, -1) : guid).toUpperCase();
}

/** RFC 4122 §4.3 name-based UUID, version 5 (SHA-1), formatted bare and upper case. */
export function uuidV5(namespace: string, name: string): string {
  return uuidV5Generator(namespace)(name);
}

/**
 * uuidV5 with the namespace parsed once: for the many component codes of one harvest. The name
 * hashed is `namePrefix` + the argument.
 *
 * SHA-1 runs one-shot (crypto.hash) over a scratch buffer that holds namespace and prefix, written
 * once, followed by the UTF-8 name: a Hash object per name made the GUIDs of a 50,000-file
 * harvest twice as slow. The buffer is reused from call to call; each call hashes it before it
 * returns, so nothing leaks between calls.
 */
export function uuidV5Generator(namespace: string, namePrefix = ''): (name: string) => string {
  const head = Buffer.concat([Buffer.from(normaliseGuid(namespace, 'UUID namespace').replaceAll('-', ''), 'hex'), Buffer.from(namePrefix, 'utf8')]);
  let scratch = Buffer.alloc(1024);
  head.copy(scratch, 0);
  return (name) => {
    // A UTF-16 code unit takes at most 3 UTF-8 bytes: grow first so write() never truncates.
    if (scratch.length < head.length + name.length * 3) {
      scratch = Buffer.alloc(head.length + name.length * 3);
      head.copy(scratch, 0);
    }
    const length = head.length + scratch.write(name, head.length, 'utf8');
    return formatUuidV5(hash('sha1', scratch.subarray(0, length), 'hex'));
  };
}

/** Formats the first 16 bytes of a SHA-1 (40 lower-case hex digits) as a version 5 UUID. */
function formatUuidV5(hex: string): string {
  const h = hex.toUpperCase();
  // Byte 6: high nibble = version 5. Byte 8: high nibble gets the variant bits.
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${VARIANT_DIGIT[hex[16]!]}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/**
 * Component code of the component holding `relativePath` (a file, or an empty directory).
 * Namespace: the UpgradeCode (one product line); name: `arch|lower-cased path`.
 * - unchanged path → unchanged GUID (Microsoft: a component code never changes while its
 *   resources stay the same);
 * - renamed or moved file → new path → new GUID;
 * - x86 vs x64/arm64 → new GUID (a component that goes from 32 to 64 bit must change code).
 * Case is folded because Windows paths are case-insensitive: renaming `App.exe` to `app.exe`
 * keeps the installed file and so keeps the component.
 */
export function componentGuid(input: { upgradeCode: string; arch: WixArch; relativePath: string }): string {
  return componentGuidGenerator(input.upgradeCode, input.arch)(pathKey(input.relativePath));
}

/**
 * componentGuid for many paths of one product and arch; takes an already computed pathKey.
 * The one place the name of a component code is made: `arch|` + key.
 */
export function componentGuidGenerator(upgradeCode: string, arch: WixArch): (pathKey: string) => string {
  return uuidV5Generator(normaliseGuid(upgradeCode, 'UpgradeCode'), `${arch}|`);
}

/**
 * Component code of a component that holds no payload file (start-menu shortcut, registry
 * values, PATH entry). `key` names the component's content and is folded like a path's key
 * (case and Unicode form do not count); it is prefixed with `:` so it can never equal a payload
 * path (`:` is not allowed in Windows file names). Pass everything that identifies the
 * component's resources (e.g. the registry keys and value names it writes): when they change,
 * the component code must change too.
 */
export function syntheticComponentGuid(input: { upgradeCode: string; arch: WixArch; key: string }): string {
  return componentGuidGenerator(input.upgradeCode, input.arch)(`:${normalisedPathKey(input.key)}`);
}

/**
 * ProductCode of one build: namespace the UpgradeCode, name `product|arch|version`.
 * - Pass the MSI ProductVersion (the mapped major.minor.build, see version.ts): a new version
 *   gets a new ProductCode, which MajorUpgrade needs; rebuilding the same version gives the
 *   same ProductCode (installing a rebuilt package over itself is then a repair, not a second
 *   product).
 * - `arch` is part of the name: Microsoft requires different ProductCodes for the 32-bit and
 *   64-bit packages of one product.
 */
export function productCode(input: { upgradeCode: string; version: string; arch: WixArch }): string {
  const upgradeCode = normaliseGuid(input.upgradeCode, 'UpgradeCode');
  return uuidV5(upgradeCode, `product|${input.arch}|${input.version}`);
}

/**
 * An UpgradeCode made up from the project name, for snapshot builds of projects that have not
 * chosen one. The UpgradeCode is the identity of the product line for all time: a real release
 * must use a fixed one from the config (see `upgradeCodeFromNameWarning`). The name is trimmed
 * and lower-cased so "Hello" and "hello" give the same code.
 */
export function upgradeCodeFromName(projectName: string): string {
  const name = projectName.trim().normalize('NFC').toLowerCase();
  if (name === '') {
    throw new StageError('Cannot derive an UpgradeCode from an empty project name; set one in the config.');
  }
  return uuidV5(WINSHIP_UPGRADE_NAMESPACE, name);
}

/** The warning to show when `upgradeCodeFromName` was used. */
export function upgradeCodeFromNameWarning(projectName: string, upgradeCode: string): string {
  return (
    `No UpgradeCode is configured; using ${upgradeCode}, derived from the project name "${projectName}". ` +
    `Renaming the project would change it and break upgrades: pin it in the config before the first release.`
  );
}
