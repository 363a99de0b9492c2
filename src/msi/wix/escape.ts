// Escaping for WiX sources: XML escaping, and the preprocessor's `$$`; and the two things in a
// name or text that no escaping can carry through (binder variables, and `$(` for wixl).

/**
 * The WiX preprocessor (WiX v3 Preprocessor.PreprocessString, and wixl's) reads `$(...)` in
 * attribute values as a variable and `$$` as a literal `$`. Payload names and config texts are
 * literal, so each `$` is doubled.
 */
export function escapePreprocessor(value: string): string {
  return value.includes('$') ? value.replaceAll('$', '$$$$') : value;
}

/** Escapes text for an XML attribute value or element content (both quote styles). Tabs and
 * line breaks become character references so attribute-value normalisation keeps them. */
const NEEDS_ESCAPING = /[&<>"'\t\n\r]/;

export function escapeXml(value: string): string {
  if (!NEEDS_ESCAPING.test(value)) return value; // most Ids, GUIDs and names: nothing to do
  return value
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&apos;')
    .replaceAll('\t', '&#9;')
    .replaceAll('\n', '&#10;')
    .replaceAll('\r', '&#13;');
}

/** WiX binder variables (`!(loc.X)`, `!(wix.X)`, `!(bind.X)`, `!(bindpreprocess.X)`). */
const BINDER_VARIABLE = /!\((loc|wix|bind|bindpreprocess)\./i;

/**
 * True when `text` holds WiX binder variable syntax: the binder substitutes it in every table
 * string (file names included), and it has no escape, so such a text cannot be written as is.
 */
export function holdsBinderVariable(text: string): boolean {
  return BINDER_VARIABLE.test(text);
}

/**
 * True when wixl 0.101 cannot carry `text`: its preprocessor reads `$(` as a variable, and
 * `$$(` (WiX's escape) breaks its XML parser (measured). A lone `$` is fine once doubled.
 */
export function wixlCannotEscape(text: string): boolean {
  return text.includes('$(');
}
