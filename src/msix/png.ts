// The PNG logos a package needs, over bytes: reading a PNG's size (to check a configured logo),
// decoding the images of a Windows icon (.ico: BMP or PNG entries), scaling, and writing RGBA
// PNGs — so a release without logos still gets correct-size ones, made from the exe's icon or a
// plain colour (PNG: ISO/IEC 15948; ICO/BMP: Microsoft "Icons", BITMAPINFOHEADER).

import { crc32, deflateSync, inflateSync } from 'node:zlib';

export interface RgbaImage {
  width: number;
  height: number;
  /** width × height × 4 bytes, rows top to bottom, R G B A. */
  pixels: Uint8Array;
}

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

export function isPng(bytes: Uint8Array): boolean {
  return bytes.length >= 8 && Buffer.from(bytes.subarray(0, 8)).equals(PNG_SIGNATURE);
}

/** A PNG's width and height (its IHDR), or why it is not a PNG. */
export function pngDimensions(bytes: Uint8Array): { width: number; height: number } | { problem: string } {
  if (!isPng(bytes)) return { problem: 'it is not a PNG image (no PNG signature)' };
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buf.length < 33 || buf.toString('latin1', 12, 16) !== 'IHDR') return { problem: 'the PNG is cut short or damaged (no IHDR chunk)' };
  const width = buf.readUInt32BE(16);
  const height = buf.readUInt32BE(20);
  if (width === 0 || height === 0) return { problem: `the PNG is ${width}×${height} pixels` };
  return { width, height };
}

/** An RGBA image as a PNG: 8-bit RGBA, no interlace, zlib level 9; the same pixels give the same bytes. */
export function encodePng(image: RgbaImage): Buffer {
  const { width, height, pixels } = image;
  const raw = Buffer.alloc((width * 4 + 1) * height);
  for (let y = 0; y < height; y++) {
    raw[y * (width * 4 + 1)] = 0; // filter: none
    Buffer.from(pixels.buffer, pixels.byteOffset + y * width * 4, width * 4).copy(raw, y * (width * 4 + 1) + 1);
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 6; // colour type: RGBA
  return Buffer.concat([PNG_SIGNATURE, chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw, { level: 9 })), chunk('IEND', Buffer.alloc(0))]);
}

function chunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);
  return Buffer.concat([head, data, crc]);
}

/** A square of one colour (#RRGGBB), opaque. */
export function solidImage(size: number, hex: string): RgbaImage {
  const [r, g, b] = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));
  const pixels = new Uint8Array(size * size * 4);
  for (let i = 0; i < size * size; i++) pixels.set([r!, g!, b!, 255], i * 4);
  return { width: size, height: size, pixels };
}

/**
 * `image` scaled to size × size: each target pixel is the average of the source pixels it
 * covers (shrinking), or the nearest source pixel (growing: an icon's pixels stay sharp).
 * Averages are weighted by alpha, so transparent pixels do not darken the edges.
 */
export function scaleImage(image: RgbaImage, size: number): RgbaImage {
  const out = new Uint8Array(size * size * 4);
  const sx = image.width / size;
  const sy = image.height / size;
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const x0 = Math.floor(x * sx);
      const y0 = Math.floor(y * sy);
      const x1 = Math.max(x0 + 1, Math.floor((x + 1) * sx));
      const y1 = Math.max(y0 + 1, Math.floor((y + 1) * sy));
      let r = 0, g = 0, b = 0, a = 0, n = 0;
      for (let yy = y0; yy < y1; yy++) {
        for (let xx = x0; xx < x1; xx++) {
          const i = (yy * image.width + xx) * 4;
          const alpha = image.pixels[i + 3]!;
          r += image.pixels[i]! * alpha;
          g += image.pixels[i + 1]! * alpha;
          b += image.pixels[i + 2]! * alpha;
          a += alpha;
          n++;
        }
      }
      const o = (y * size + x) * 4;
      if (a > 0) out.set([Math.round(r / a), Math.round(g / a), Math.round(b / a), Math.round(a / n)], o);
    }
  }
  return { width: size, height: size, pixels: out };
}

/**
 * The largest image of a Windows icon, decoded, or why it cannot be: BMP entries of 32, 24, 8,
 * 4 or 1 bits per pixel (with their AND mask), and PNG entries of 8-bit grey, RGB, palette or
 * RGBA without interlacing.
 */
export function decodeIcon(ico: Uint8Array): RgbaImage | { problem: string } {
  const buf = Buffer.from(ico.buffer, ico.byteOffset, ico.byteLength);
  if (buf.length < 6 || buf.readUInt16LE(0) !== 0 || buf.readUInt16LE(2) !== 1) return { problem: 'not a Windows icon' };
  const count = buf.readUInt16LE(4);
  let best: { size: number; bits: number; offset: number; length: number } | undefined;
  for (let i = 0; i < count; i++) {
    const e = 6 + 16 * i;
    if (e + 16 > buf.length) return { problem: 'the icon directory is cut short' };
    const size = (buf[e] || 256) * (buf[e + 1] || 256);
    const bits = buf.readUInt16LE(e + 6);
    const entry = { size, bits, length: buf.readUInt32LE(e + 8), offset: buf.readUInt32LE(e + 12) };
    if (!best || size > best.size || (size === best.size && bits > best.bits)) best = entry;
  }
  if (!best || best.offset + best.length > buf.length) return { problem: 'the icon holds no readable image' };
  const data = buf.subarray(best.offset, best.offset + best.length);
  try {
    return isPng(data) ? decodePng(data) : decodeDib(data);
  } catch (err) {
    return { problem: (err as Error).message };
  }
}

/** A BITMAPINFOHEADER image as icons hold it: height doubled (XOR image, then the AND mask). */
function decodeDib(data: Buffer): RgbaImage {
  if (data.length < 40 || data.readUInt32LE(0) !== 40) throw new Error('an icon image is neither PNG nor a bitmap');
  const width = data.readInt32LE(4);
  const height = Math.abs(data.readInt32LE(8)) / 2;
  const bits = data.readUInt16LE(14);
  const compression = data.readUInt32LE(16);
  if (width <= 0 || height <= 0 || width > 1024 || height > 1024) throw new Error(`an icon image of ${width}×${height} pixels`);
  if (compression !== 0) throw new Error('a compressed icon bitmap');
  const paletteSize = bits <= 8 ? data.readUInt32LE(32) || 1 << bits : 0;
  const palette = 40;
  const xorAt = palette + paletteSize * 4;
  const xorStride = Math.ceil((width * bits) / 32) * 4;
  const andAt = xorAt + xorStride * height;
  const andStride = Math.ceil(width / 32) * 4;
  if (![1, 4, 8, 24, 32].includes(bits)) throw new Error(`an icon bitmap of ${bits} bits per pixel`);
  if (andAt > data.length) throw new Error('an icon bitmap is cut short');
  const pixels = new Uint8Array(width * height * 4);
  const hasAlpha = bits === 32 && (() => {
    for (let i = xorAt + 3; i < andAt; i += 4) if (data[i] !== 0) return true;
    return false;
  })();
  for (let row = 0; row < height; row++) {
    const y = height - 1 - row; // bottom-up
    for (let x = 0; x < width; x++) {
      const o = (y * width + x) * 4;
      const line = xorAt + row * xorStride;
      let r: number, g: number, b: number, a = 255;
      if (bits >= 24) {
        const p = line + x * (bits / 8);
        [b, g, r] = [data[p]!, data[p + 1]!, data[p + 2]!];
        if (bits === 32 && hasAlpha) a = data[p + 3]!;
      } else {
        const bitAt = x * bits;
        const byte = data[line + (bitAt >> 3)]!;
        const index = (byte >> (8 - bits - (bitAt & 7))) & ((1 << bits) - 1);
        const p = palette + index * 4;
        [b, g, r] = [data[p] ?? 0, data[p + 1] ?? 0, data[p + 2] ?? 0];
      }
      if (!hasAlpha && andAt + row * andStride < data.length) {
        const mask = data[andAt + row * andStride + (x >> 3)]!;
        if ((mask >> (7 - (x & 7))) & 1) a = 0;
      }
      pixels.set([r, g, b, a], o);
    }
  }
  return { width, height, pixels };
}

/** An 8-bit, non-interlaced PNG (what icons hold), decoded to RGBA. */
export function decodePng(png: Buffer): RgbaImage {
  const size = pngDimensions(png);
  if ('problem' in size) throw new Error(size.problem);
  const depth = png[24];
  const type = png[25]!;
  if (depth !== 8 || png[28] !== 0) throw new Error(`a PNG of ${depth}-bit depth${png[28] ? ', interlaced' : ''} (icons hold 8-bit ones)`);
  const channels = ({ 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 } as Record<number, number>)[type];
  if (channels === undefined) throw new Error(`a PNG of colour type ${type}`);
  const idat: Buffer[] = [];
  let palette: Buffer = Buffer.alloc(0);
  let transparency: Buffer = Buffer.alloc(0);
  for (let at = 8; at + 8 <= png.length; ) {
    const length = png.readUInt32BE(at);
    const kind = png.toString('latin1', at + 4, at + 8);
    const body = png.subarray(at + 8, at + 8 + length);
    if (kind === 'IDAT') idat.push(body);
    else if (kind === 'PLTE') palette = body;
    else if (kind === 'tRNS') transparency = body;
    else if (kind === 'IEND') break;
    at += 12 + length;
  }
  const { width, height } = size;
  const stride = width * channels;
  const raw = inflateSync(Buffer.concat(idat), { maxOutputLength: (stride + 1) * height });
  const rows = Buffer.alloc(stride * height);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)]!;
    const line = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    for (let i = 0; i < stride; i++) {
      const left = i >= channels ? rows[y * stride + i - channels]! : 0;
      const up = y > 0 ? rows[(y - 1) * stride + i]! : 0;
      const upLeft = y > 0 && i >= channels ? rows[(y - 1) * stride + i - channels]! : 0;
      const predictor = [0, left, up, (left + up) >> 1, paeth(left, up, upLeft)][filter];
      if (predictor === undefined) throw new Error(`a PNG row with filter ${filter}`);
      rows[y * stride + i] = (line[i]! + predictor) & 0xff;
    }
  }
  const pixels = new Uint8Array(width * height * 4);
  for (let i = 0; i < width * height; i++) {
    const s = i * channels;
    let px: number[];
    if (type === 6) px = [rows[s]!, rows[s + 1]!, rows[s + 2]!, rows[s + 3]!];
    else if (type === 2) px = [rows[s]!, rows[s + 1]!, rows[s + 2]!, 255];
    else if (type === 0) px = [rows[s]!, rows[s]!, rows[s]!, 255];
    else if (type === 4) px = [rows[s]!, rows[s]!, rows[s]!, rows[s + 1]!];
    else {
      const index = rows[s]!;
      px = [palette[index * 3] ?? 0, palette[index * 3 + 1] ?? 0, palette[index * 3 + 2] ?? 0, transparency[index] ?? 255];
    }
    pixels.set(px, i * 4);
  }
  return { width, height, pixels };
}

function paeth(a: number, b: number, c: number): number {
  const p = a + b - c;
  const pa = Math.abs(p - a);
  const pb = Math.abs(p - b);
  const pc = Math.abs(p - c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}
