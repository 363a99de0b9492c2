// Is a file a Windows icon (.ico)? Checked before anything builds, so an icon that is really a
// PNG, a cursor or a truncated download is refused with what it is, not found after compiling.
//
// ICO layout (Microsoft "Icons" / ICONDIR): WORD reserved = 0, WORD type = 1 (2 is a cursor),
// WORD count, then count ICONDIRENTRY of 16 bytes: width, height, colours, reserved (BYTE
// each), planes, bit count (WORD), DWORD bytes of the image, DWORD offset of the image. Each
// image is a PNG or a BMP without its file header (it starts with a BITMAPINFOHEADER, 40).

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

const startsWith = (bytes: Uint8Array, prefix: readonly number[], at = 0) => prefix.every((b, i) => bytes[at + i] === b);

/** What a file that is not an icon looks like it is, for the message. */
function looksLike(bytes: Uint8Array): string | undefined {
  if (startsWith(bytes, PNG_SIGNATURE)) return 'a PNG image';
  if (startsWith(bytes, [0x42, 0x4d])) return 'a BMP image';
  if (startsWith(bytes, [0xff, 0xd8, 0xff])) return 'a JPEG image';
  if (startsWith(bytes, [0x47, 0x49, 0x46, 0x38])) return 'a GIF image';
  const head = new TextDecoder().decode(bytes.subarray(0, 256)).trimStart().toLowerCase();
  if (head.startsWith('<svg') || (head.startsWith('<?xml') && head.includes('<svg'))) return 'an SVG drawing';
  if (startsWith(bytes, [0x4d, 0x5a])) return 'an executable';
  return undefined;
}

/** Why `bytes` is not a usable .ico, or undefined. */
export function icoProblem(bytes: Uint8Array): string | undefined {
  if (bytes.length === 0) return 'the file is empty';
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const other = looksLike(bytes);
  if (bytes.length < 6 || view.getUint16(0, true) !== 0 || view.getUint16(2, true) !== 1) {
    if (bytes.length >= 6 && view.getUint16(0, true) === 0 && view.getUint16(2, true) === 2) return 'it is a cursor (.cur), not an icon';
    return `it is ${other ?? 'not a Windows icon'}${other ? ', not a Windows icon (.ico)' : ' (.ico): it does not start like one'}`;
  }
  const count = view.getUint16(4, true);
  if (count === 0) return 'the icon holds no images';
  const directoryEnd = 6 + 16 * count;
  if (bytes.length < directoryEnd) return `the file is cut short: its directory lists ${count} images but the file ends at byte ${bytes.length}`;
  for (let i = 0; i < count; i++) {
    const entry = 6 + 16 * i;
    const size = view.getUint32(entry + 8, true);
    const offset = view.getUint32(entry + 12, true);
    const which = `image ${i + 1} of ${count}`;
    if (size === 0) return `${which} is empty`;
    if (offset < directoryEnd || offset + size > bytes.length) return `the file is cut short or damaged: ${which} lies at bytes ${offset}-${offset + size}, outside the ${bytes.length}-byte file`;
    const isPng = startsWith(bytes, PNG_SIGNATURE, offset);
    const isBitmap = size >= 40 && view.getUint32(offset, true) === 40;
    if (!isPng && !isBitmap) return `${which} is neither a PNG nor a bitmap`;
  }
  return undefined;
}
