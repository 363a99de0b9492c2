/**
 * A valid .ico with one 16x16 32-bit image of a single colour: enough for resource tests
 * (the exact pixels are checked by comparing the RT_ICON bytes with the image data).
 */
export function makeIco(rgba: [number, number, number, number] = [0x20, 0x80, 0xe0, 0xff]): Buffer {
  const size = 16;
  const header = Buffer.alloc(40);
  header.writeUInt32LE(40, 0); // BITMAPINFOHEADER
  header.writeInt32LE(size, 4);
  header.writeInt32LE(size * 2, 8); // XOR + AND masks
  header.writeUInt16LE(1, 12);
  header.writeUInt16LE(32, 14);
  const pixels = Buffer.alloc(size * size * 4);
  for (let i = 0; i < size * size; i++) {
    pixels[i * 4] = rgba[2];
    pixels[i * 4 + 1] = rgba[1];
    pixels[i * 4 + 2] = rgba[0];
    pixels[i * 4 + 3] = rgba[3];
  }
  const andMask = Buffer.alloc(size * 4);
  const image = Buffer.concat([header, pixels, andMask]);
  const dir = Buffer.alloc(6 + 16);
  dir.writeUInt16LE(0, 0);
  dir.writeUInt16LE(1, 2); // icon
  dir.writeUInt16LE(1, 4); // one image
  dir.writeUInt8(size, 6);
  dir.writeUInt8(size, 7);
  dir.writeUInt16LE(1, 10); // planes
  dir.writeUInt16LE(32, 12); // bpp
  dir.writeUInt32LE(image.length, 14);
  dir.writeUInt32LE(dir.length, 18);
  return Buffer.concat([dir, image]);
}
