// Logistic mixing of several predictions of one bit (as in PAQ and lpaq, Matt Mahoney): each
// model's probability is taken to the "stretch" domain, ln(p/(1-p)), the weighted sum is taken
// back ("squash"), and the weights learn online which model to trust for this file. It lets one
// coder serve x86 code (the bytes before an address say it is one), arm64 code (the instruction
// word says it) and data, without being told which. All integer arithmetic, so that the Go
// applier computes the very same probabilities.

const SQUASH_POINTS = [
  1, 2, 3, 6, 10, 16, 27, 45, 73, 120, 194, 310, 488, 747, 1101, 1546, 2047, 2549, 2994, 3348, 3607, 3785, 3901, 3975, 4024, 4050,
  4068, 4079, 4085, 4089, 4092, 4093, 4094,
];

/** 4096 / (1 + e^(-x/256)) for x in [-2047, 2047], interpolated from 33 points: a 12-bit probability. */
export function squash(x: number): number {
  if (x > 2047) return 4095;
  if (x < -2047) return 1;
  const w = x & 127;
  const i = (x >> 7) + 16;
  return (SQUASH_POINTS[i]! * (128 - w) + SQUASH_POINTS[i + 1]! * w + 64) >> 7;
}

/** The inverse of squash, over 12-bit probabilities. */
export const STRETCH: Int16Array = (() => {
  const table = new Int16Array(4096);
  let pi = 0;
  for (let x = -2047; x <= 2047; x++) {
    const v = squash(x);
    for (let j = pi; j <= v; j++) table[j] = x;
    pi = v + 1;
  }
  for (let j = pi; j < 4096; j++) table[j] = 2047;
  return table;
})();

export const WEIGHT_LIMIT = 1 << 24;

const FINE_POINTS = [
  1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 3, 5, 8, 13, 22, 36, 60, 98, 162, 267, 439, 720, 1179, 1921, 3108, 4971, 7812, 11955, 17625, 24743,
  32768, 40793, 47911, 53581, 57724, 60565, 62428, 63615, 64357, 64816, 65097, 65269, 65374, 65438, 65476, 65500, 65514, 65523, 65528,
  65531, 65533, 65534, 65535, 65535, 65535, 65535, 65535, 65535, 65535, 65535, 65535, 65535, 65535,
];

/**
 * squash with twice the range and a 16-bit result, for the mixer's output: a file that is the
 * same as the old one for millions of bytes must cost almost nothing per byte, and 1/4096 (the
 * floor of a 12-bit probability) would cost 1.3 KB over 30 MB of unchanged bytes.
 */
export function squashFine(x: number): number {
  if (x >= 4095) return 65535;
  if (x < -4096) return 1;
  const w = x & 127;
  const i = (x >> 7) + 32;
  const p = (FINE_POINTS[i]! * (128 - w) + FINE_POINTS[i + 1]! * w + 64) >> 7;
  return p < 1 ? 1 : p > 65535 ? 65535 : p;
}

/** The inverse of squashFine, over 16-bit probabilities: x in [-4096, 4095]. */
export const STRETCH_FINE: Int16Array = (() => {
  const table = new Int16Array(65536);
  let pi = 0;
  for (let x = -4096; x <= 4095; x++) {
    const v = squashFine(x);
    for (let j = pi; j <= v; j++) table[j] = x;
    pi = v + 1;
  }
  for (let j = pi; j < 65536; j++) table[j] = 4095;
  return table;
})();

export class Mixer {
  private readonly weights: Int32Array;
  private readonly inputs: Int32Array;
  private count = 0;
  private p = 32768;
  private set = 0;

  /** `size` inputs; `sets` sets of weights, one chosen for each bit (by the bit's place, say). */
  constructor(
    readonly size: number,
    sets = 1,
  ) {
    this.weights = new Int32Array(size * sets).fill(Math.floor(65536 / size));
    this.inputs = new Int32Array(size);
  }

  /** Adds one model's prediction, a 16-bit probability that the bit is 1. */
  add(p16: number): void {
    this.inputs[this.count++] = STRETCH[p16 >>> 4]!;
  }

  /** Adds one model's prediction already in the stretch domain. */
  addStretched(x: number): void {
    this.inputs[this.count++] = x;
  }

  /** The mixed 16-bit probability that the bit is 1, in [1, 65535], with weight set `set`. */
  mix(set = 0): number {
    this.set = set * this.size;
    let dot = 0;
    for (let i = 0; i < this.size; i++) dot += this.inputs[i]! * this.weights[this.set + i]!;
    // The sum can pass 2^31: divide (Go: an int64 shifted right), never `>>` it.
    this.p = squashFine(Math.floor(dot / 65536));
    return this.p;
  }

  update(bit: number): void {
    const err = (bit << 16) - this.p;
    for (let i = 0; i < this.size; i++) {
      const w = this.weights[this.set + i]! + ((this.inputs[i]! * err) >> 15);
      this.weights[this.set + i] = w > WEIGHT_LIMIT ? WEIGHT_LIMIT : w < -WEIGHT_LIMIT ? -WEIGHT_LIMIT : w;
    }
    this.count = 0;
  }
}

/**
 * A byte coded as 8 binary decisions (a bit tree, high bit first), each predicted by several
 * context tables mixed, with one weight set per depth in the tree. The caller gives one context
 * per table for the byte.
 */
export class MixedByteModel {
  // Each counter is kept as q ^ 0x8000, so the tables start as zeros and need no fill: the
  // memory of contexts a patch never uses is never touched (tens of MB the OS does not hand out).
  private readonly tables: Uint16Array[];
  private readonly mixer: Mixer;
  private readonly bases: Int32Array;

  /** `extraInputs`: stretched predictions the caller adds to each bit (the match model). */
  constructor(contextCounts: readonly number[], extraInputs = 0) {
    this.tables = contextCounts.map((n) => new Uint16Array(n * 256));
    this.mixer = new Mixer(contextCounts.length + extraInputs, 8);
    this.bases = new Int32Array(contextCounts.length);
  }

  /** The contexts of the next byte, one per table. */
  setContexts(contexts: readonly number[]): void {
    for (let i = 0; i < this.bases.length; i++) this.bases[i] = contexts[i]! * 256;
  }

  /** P(1) of the bit at tree `node` (1–255), at `depth` (0–7). */
  predict(node: number, depth: number, extra?: number): number {
    for (let i = 0; i < this.tables.length; i++) this.mixer.add(this.tables[i]![this.bases[i]! + node]! ^ 0x8000);
    if (extra !== undefined) this.mixer.addStretched(extra);
    return this.mixer.mix(depth);
  }

  update(node: number, bit: number): void {
    for (let i = 0; i < this.tables.length; i++) {
      const t = this.tables[i]!;
      const j = this.bases[i]! + node;
      const q = t[j]! ^ 0x8000;
      t[j] = (bit ? q + ((65536 - q) >>> 4) : q - (q >>> 4)) ^ 0x8000;
    }
    this.mixer.update(bit);
  }
}
