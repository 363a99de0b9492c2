// Limits Windows puts on values release.yaml feeds it, each with where it comes from. A value past
// one is not shortened by Windows with an error: it is cut, dropped or breaks a table later, so
// the config refuses it, naming the limit, where the value is written.

/**
 * MSI column sizes, as the Windows Installer database schema declares them (and wixl creates
 * them: `msiinfo export` of a wixl package shows Shortcut.Name l128, Shortcut.Description L255,
 * Directory.DefaultDir l255, ServiceInstall.Name s255, .DisplayName L255, .Description L255,
 * .StartName S255, .Arguments S255, Registry.Key l255, Registry.Name L255).
 */
export const MSI_COLUMNS = {
  shortcutName: 128,
  shortcutDescription: 255,
  defaultDir: 255,
  serviceName: 255,
  serviceDisplayName: 255,
  serviceDescription: 255,
  serviceAccount: 255,
  serviceArguments: 255,
  registryKey: 255,
  registryName: 255,
} as const;

/**
 * WiX writes a long file or folder name as "SHORTN~1.EXT|long name" in Filename and DefaultDir
 * columns (wixl writes the long name alone): 13 characters of the column go to the short name.
 */
export const SHORT_NAME_PREFIX = 13;

/** Microsoft "ProductName property": "can be no greater than 63 characters in length". */
export const MSI_PRODUCT_NAME_MAX = 63;

/** A long name that fits in a Filename or DefaultDir column of `column` characters, with WiX's short name before it. */
export const longNameMax = (column: number) => column - SHORT_NAME_PREFIX;

/** Windows (and Linux NAME_MAX): a file or folder name is at most 255 characters. */
export const FILE_NAME_MAX = 255;

/** A Windows LCID is a 16-bit number (MSI ProductLanguage, the Language attribute). */
export const LCID_MAX = 0xffff;

/** "at most N characters (why)" for a length limit's error. */
export function tooLong(max: number, why: string): (issue: { input?: unknown }) => string {
  return (issue) => {
    const length = typeof issue.input === 'string' ? issue.input.length : undefined;
    return `${length === undefined ? 'too long' : `${length} characters`}: at most ${max} (${why}); shorten it`;
  };
}
