// A binary range coder with adaptive probabilities: the entropy coder of the patch body
// (docs/patch-format.md, "Range coder"). It is LZMA's coder (32-bit range, carry through a
// cached byte) with 16-bit probabilities instead of 11-bit ones: most bits a patch codes are
// "this byte is unchanged", true millions of times in a row, and an 11-bit probability cannot
// get below 1/64 of a bit for each of them (16 KB for an 8 MB exe), a 16-bit one gets to 1/3000.
// The Go applier (go/patch/rangecoder.go) decodes the same bits with the same integer steps.

export const PROB_BITS = 16;
export const PROB_INIT = 1 << (PROB_BITS - 1);
const TOP = 1 << 24;

/** Adaptive probabilities that a bit is 0, in 1/65536, moved 1/2^shift of the way on each bit. */
export class Probs {
  readonly p: Uint16Array;
  constructor(
    size: number,
    readonly shift: number,
    initial = PROB_INIT,
  ) {
    this.p = new Uint16Array(size).fill(initial);
  }
}

export class RangeEncoder {
  private low = 0; // up to 2^32 + 2^32: a Number holds it exactly
  private range = 0xffffffff;
  private cache = 0;
  private cacheSize = 1;
  private buf = new Uint8Array(1 << 16);
  private length = 0;

  /** One bit under an adaptive probability, which then moves towards it. */
  encode(probs: Probs, index: number, bit: number): void {
    const p = probs.p[index]!;
    this.encodeWith(p, bit);
    probs.p[index] = bit === 0 ? p + ((65536 - p) >>> probs.shift) : p - (p >>> probs.shift);
  }

  /** One bit whose probability of being 0 is `p0` / 65536 (1–65535), computed by the caller. */
  encodeWith(p0: number, bit: number): void {
    // range · p0 < 2^48: exact in a Number (Go: uint64). Taking the top 16 bits of range first,
    // as LZMA does with 11-bit probabilities, would cost 0.4 KB over 30 MB of unchanged bytes.
    const bound = Math.floor((this.range * p0) / 65536);
    if (bit === 0) this.range = bound;
    else {
      this.low += bound;
      this.range -= bound;
    }
    while (this.range < TOP) {
      this.range = (this.range << 8) >>> 0;
      this.shiftLow();
    }
  }

  /** `count` bits of `value`, high first, each with probability 1/2 (no model). */
  encodeDirect(value: number, count: number): void {
    for (let i = count - 1; i >= 0; i--) {
      this.range = this.range >>> 1;
      if (Math.floor(value / 2 ** i) % 2 === 1) this.low += this.range;
      while (this.range < TOP) {
        this.range = (this.range << 8) >>> 0;
        this.shiftLow();
      }
    }
  }

  finish(): Uint8Array {
    for (let i = 0; i < 5; i++) this.shiftLow();
    return this.buf.subarray(0, this.length);
  }

  private shiftLow(): void {
    const low32 = this.low % 0x100000000;
    if (low32 < 0xff000000 || this.low >= 0x100000000) {
      const carry = this.low >= 0x100000000 ? 1 : 0;
      let temp = this.cache;
      do {
        this.put((temp + carry) & 0xff);
        temp = 0xff;
      } while (--this.cacheSize !== 0);
      this.cache = low32 >>> 24;
    }
    this.cacheSize++;
    this.low = (low32 & 0x00ffffff) * 256;
  }

  private put(byte: number): void {
    if (this.length === this.buf.length) {
      const bigger = new Uint8Array(this.buf.length * 2);
      bigger.set(this.buf);
      this.buf = bigger;
    }
    this.buf[this.length++] = byte;
  }
}

export class CorruptPatchError extends Error {}

export class RangeDecoder {
  private range = 0xffffffff;
  private code = 0;
  private pos: number;

  constructor(
    private readonly data: Uint8Array,
    start = 0,
  ) {
    this.pos = start;
    if (this.next() !== 0) throw new CorruptPatchError('the coded body does not start with a zero byte');
    for (let i = 0; i < 4; i++) this.code = ((this.code << 8) | this.next()) >>> 0;
  }

  decode(probs: Probs, index: number): number {
    const p = probs.p[index]!;
    const bit = this.decodeWith(p);
    probs.p[index] = bit === 0 ? p + ((65536 - p) >>> probs.shift) : p - (p >>> probs.shift);
    return bit;
  }

  decodeWith(p0: number): number {
    const bound = Math.floor((this.range * p0) / 65536);
    let bit = 0;
    if (this.code < bound) this.range = bound;
    else {
      this.code -= bound;
      this.range -= bound;
      bit = 1;
    }
    while (this.range < TOP) {
      this.range = (this.range << 8) >>> 0;
      this.code = ((this.code << 8) | this.next()) >>> 0;
    }
    return bit;
  }

  decodeDirect(count: number): number {
    let value = 0;
    for (let i = 0; i < count; i++) {
      this.range = this.range >>> 1;
      let bit = 0;
      if (this.code >= this.range) {
        this.code -= this.range;
        bit = 1;
      }
      value = value * 2 + bit;
      while (this.range < TOP) {
        this.range = (this.range << 8) >>> 0;
        this.code = ((this.code << 8) | this.next()) >>> 0;
      }
    }
    return value;
  }

  /** Bytes read so far, from `start`: a whole body is read to its last byte, never past it. */
  get consumed(): number {
    return this.pos;
  }

  private next(): number {
    if (this.pos >= this.data.length) throw new CorruptPatchError('the coded body ends early (the patch is truncated)');
    return this.data[this.pos++]!;
  }
}
