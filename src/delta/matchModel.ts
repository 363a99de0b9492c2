import { STRETCH } from './mixer.js';

// A match model (as in lpaq): the last place where the six bytes before the current one occurred,
// in the old file or in the new file so far, predicts the next byte. New code in a release is
// mostly old code moved and changed a little, and functions, tables and strings repeat: bytes
// that are neither unchanged in place nor found by an operation are often found here. The
// encoder and the appliers update it with every new byte, so it predicts the same for all.

const HASH_BITS = 22;
const MIN_CONTEXT = 6; // bytes; the hash below depends on exactly the last six
const MAX_VERIFIED = 32;

/** Rolling hash of the last six bytes: 752 = 47·16, so after six steps a byte's share is ·2^24. */
const step = (hash: number, byte: number) => (Math.imul(hash, 752) + byte + 1) & ((1 << HASH_BITS) - 1);

export class MatchModel {
  private readonly table = new Int32Array(1 << HASH_BITS); // 1 + where the byte after a context is
  private hash = 0;
  private pointer = 0; // where the predicted byte is: < old.length in old, else in new
  /** How many bytes before the current one agree with those before the pointer (0: no match). */
  length = 0;

  constructor(
    private readonly old: Uint8Array,
    private readonly neu: Uint8Array,
  ) {
    let hash = 0;
    for (let i = 0; i < old.length; i++) {
      hash = step(hash, old[i]!);
      if (i + 1 >= MIN_CONTEXT) this.table[hash] = i + 2;
    }
  }

  private byteAt(at: number): number {
    return at < this.old.length ? this.old[at]! : this.neu[at - this.old.length]!;
  }

  /** The predicted next byte, or -1. */
  expected(): number {
    return this.length > 0 ? this.byteAt(this.pointer) : -1;
  }

  /**
   * After new[n] is known. Only a byte that was coded (`coded`: a literal or a changed byte)
   * looks for a new match and enters the table: an unchanged byte is a copy of an old one the
   * table already has, and skipping it saves a random memory access for nearly every byte.
   */
  update(n: number, coded: boolean): void {
    const byte = this.neu[n]!;
    if (this.length > 0 && this.byteAt(this.pointer) === byte) {
      this.pointer++;
      if (this.length < 65535) this.length++;
    } else this.length = 0;
    this.hash = step(this.hash, byte);
    if (!coded || n + 1 < MIN_CONTEXT) return;
    const here = this.old.length + n + 1;
    if (this.length === 0) {
      const found = this.table[this.hash]! - 1;
      if (found >= 0) {
        let agree = 0;
        while (agree < MAX_VERIFIED && agree < found && agree <= n && this.byteAt(found - 1 - agree) === this.byteAt(here - 1 - agree)) agree++;
        if (agree > 0) {
          this.pointer = found;
          this.length = agree;
        }
      }
    }
    this.table[this.hash] = here + 1;
  }
}

/** The match model's vote for one bit of a byte coded as a bit tree. */
export class MatchVote {
  private readonly probs = new Uint16Array(64).fill(32768);
  private slot = -1;

  /** Stretched P(1) of the bit at `node`/`depth`, when `expected` (a byte) agrees so far; else 0. */
  input(expected: number, length: number, node: number, depth: number): number {
    if (expected < 0 || (expected | 256) >>> (8 - depth) !== node) {
      this.slot = -1;
      return 0;
    }
    const bit = (expected >>> (7 - depth)) & 1;
    const bucket = length < 16 ? length : length < 32 ? 16 + ((length - 16) >> 2) : length < 64 ? 20 + ((length - 32) >> 3) : 24 + Math.min(7, (length - 64) >> 6);
    this.slot = bucket * 2 + bit;
    return STRETCH[this.probs[this.slot]! >>> 4]!;
  }

  learn(bit: number): void {
    if (this.slot < 0) return;
    const p = this.probs[this.slot]!;
    this.probs[this.slot] = bit ? p + ((65536 - p) >>> 5) : p - (p >>> 5);
  }
}
