import { CorruptPatchError, Probs, RangeDecoder, RangeEncoder } from './rangeCoder.js';

// The models the body is coded with: bit trees for bytes and Elias-gamma-like codes for numbers.
// Each model is a fixed array of adaptive probabilities, so the encoder and both decoders start
// from the same state and move through the same states.

/** A byte coded as 8 binary decisions, high bit first, under one of `contexts` contexts. */
export class ByteModel {
  private readonly probs: Probs;
  constructor(contexts: number, shift: number) {
    this.probs = new Probs(contexts * 256, shift);
  }
  encode(rc: RangeEncoder, context: number, byte: number): void {
    const base = context * 256;
    let node = 1;
    for (let i = 7; i >= 0; i--) {
      const bit = (byte >>> i) & 1;
      rc.encode(this.probs, base + node, bit);
      node = (node << 1) | bit;
    }
  }
  decode(rc: RangeDecoder, context: number): number {
    const base = context * 256;
    let node = 1;
    while (node < 256) node = (node << 1) | rc.decode(this.probs, base + node);
    return node - 256;
  }
}

/** One binary decision under one of `contexts` contexts. */
export class FlagModel {
  private readonly probs: Probs;
  constructor(contexts: number, shift: number, initial?: number) {
    this.probs = new Probs(contexts, shift, initial);
  }
  encode(rc: RangeEncoder, context: number, bit: number): void {
    rc.encode(this.probs, context, bit);
  }
  decode(rc: RangeDecoder, context: number): number {
    return rc.decode(this.probs, context);
  }
}

const MAX_BITS = 32;
const MODELLED_LOW_BITS = 3; // the bits under the leading one that are modelled; the rest are direct

/**
 * A number in [0, 2^32): its bit length (0–32) as a bit tree, then the bits under the leading one,
 * the first three modelled by (length, position), the rest direct. Small numbers cost a few bits,
 * any number at most 6 + 31.
 */
export class NumberModel {
  private readonly length: Probs;
  private readonly mantissa: Probs;
  constructor(shift: number) {
    this.length = new Probs(64, shift);
    this.mantissa = new Probs((MAX_BITS + 1) * 16, shift);
  }
  encode(rc: RangeEncoder, value: number): void {
    if (!Number.isInteger(value) || value < 0 || value >= 2 ** MAX_BITS) throw new RangeError(`number out of range: ${value}`);
    const bits = 32 - Math.clz32(value);
    let node = 1;
    for (let i = 5; i >= 0; i--) {
      const bit = (bits >>> i) & 1;
      rc.encode(this.length, node, bit);
      node = (node << 1) | bit;
    }
    let modelled = 1;
    for (let i = bits - 2; i >= 0; i--) {
      const bit = Math.floor(value / 2 ** i) % 2;
      if (bits - 2 - i < MODELLED_LOW_BITS) {
        rc.encode(this.mantissa, bits * 16 + modelled, bit);
        modelled = (modelled << 1) | bit;
      } else {
        rc.encodeDirect(value % 2 ** (i + 1), i + 1);
        return;
      }
    }
  }
  decode(rc: RangeDecoder): number {
    let node = 1;
    while (node < 64) node = (node << 1) | rc.decode(this.length, node);
    const bits = node - 64;
    if (bits > MAX_BITS) throw new CorruptPatchError(`a number of ${bits} bits`);
    if (bits === 0) return 0;
    let value = 1;
    let modelled = 1;
    for (let i = bits - 2; i >= 0; i--) {
      if (bits - 2 - i < MODELLED_LOW_BITS) {
        const bit = rc.decode(this.mantissa, bits * 16 + modelled);
        modelled = (modelled << 1) | bit;
        value = value * 2 + bit;
      } else {
        return value * 2 ** (i + 1) + rc.decodeDirect(i + 1);
      }
    }
    return value;
  }
}
