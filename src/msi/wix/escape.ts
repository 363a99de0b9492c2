// Escaping for WiX sources: XML escaping, and the preprocessor's `$$`.

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
