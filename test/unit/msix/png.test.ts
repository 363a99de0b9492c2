import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeIcon, decodePng, encodePng, pngDimensions, scaleImage, solidImage, type RgbaImage } from '../../../src/msix/png.js';
import { repoRoot } from '../../support/paths.js';

// Logos made without an image library: PNGs written and read back, icons decoded, scaled.

function gradient(w: number, h: number): RgbaImage {
  const pixels = new Uint8Array(w * h * 4);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) pixels.set([x * 8, y * 8, (x + y) * 4, x % 2 ? 255 : 128], (y * w + x) * 4);
  return { width: w, height: h, pixels };
}

describe('PNG logos', () => {
  it('writes a PNG that reads back pixel for pixel, with its size in IHDR; the same pixels, the same bytes', () => {
    const image = gradient(20, 12);
    const png = encodePng(image);
    expect(pngDimensions(png)).toEqual({ width: 20, height: 12 });
    expect(decodePng(png)).toEqual(image);
    expect(encodePng(image).equals(png)).toBe(true);
  });

  it('says what a file is not', () => {
    expect(pngDimensions(Buffer.from('GIF89a........................'))).toEqual({ problem: 'it is not a PNG image (no PNG signature)' });
    expect(pngDimensions(encodePng(solidImage(4, '#000000')).subarray(0, 20))).toMatchObject({ problem: expect.stringContaining('cut short') });
  });

  it('scales: growing keeps pixels sharp (nearest), shrinking averages weighted by alpha', () => {
    const two = { width: 2, height: 1, pixels: Uint8Array.from([255, 0, 0, 255, 0, 0, 255, 255]) };
    const grown = scaleImage(two, 4);
    expect([...grown.pixels.subarray(0, 16)]).toEqual([255, 0, 0, 255, 255, 0, 0, 255, 0, 0, 255, 255, 0, 0, 255, 255]);
    const half = { width: 2, height: 2, pixels: Uint8Array.from([255, 255, 255, 255, 0, 0, 0, 0, 255, 255, 255, 255, 0, 0, 0, 0]) };
    expect([...scaleImage(half, 1).pixels]).toEqual([255, 255, 255, 128]); // the transparent black does not darken it
  });

  it('decodes the icons of the repository (32-bit bitmaps with an AND mask) and a PNG icon entry', () => {
    for (const file of [join(repoRoot, 'examples', 'hello', 'hello.ico'), join(repoRoot, 'test', 'fixtures', 'goapp', 'app.ico')]) {
      const image = decodeIcon(readFileSync(file));
      expect(image, file).not.toHaveProperty('problem');
      const { width, height, pixels } = image as RgbaImage;
      expect(pixels.length).toBe(width * height * 4);
      expect(width).toBeGreaterThanOrEqual(16);
    }
    const png = encodePng(gradient(32, 32));
    const ico = Buffer.alloc(22 + png.length);
    ico.writeUInt16LE(1, 2);
    ico.writeUInt16LE(1, 4);
    ico[6] = 32;
    ico[7] = 32;
    ico.writeUInt16LE(32, 12);
    ico.writeUInt32LE(png.length, 14);
    ico.writeUInt32LE(22, 18);
    png.copy(ico, 22);
    expect(decodeIcon(ico)).toEqual(gradient(32, 32));
    expect(decodeIcon(Buffer.from('not an icon'))).toEqual({ problem: 'not a Windows icon' });
  });
});
