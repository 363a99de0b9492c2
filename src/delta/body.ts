import type { Operation } from './match.js';
import { MixedByteModel, squashFine, STRETCH, STRETCH_FINE, WEIGHT_LIMIT } from './mixer.js';
import { MatchModel, MatchVote } from './matchModel.js';
import { FlagModel, NumberModel } from './models.js';
import { CorruptPatchError, RangeDecoder, RangeEncoder } from './rangeCoder.js';

// The patch body: the operations and their bytes, in one range-coded stream (docs/patch-format.md,
// "Body", which the Go applier follows). Difference bytes are coded as "changed?" then, when
// changed, the value; literal bytes by value. What makes patches of programs small is the
// context of "changed?": the old bytes around it say whether it sits inside an address (after
// `lea rax, [rip+…]`, 8D 05, in x86 code the next byte often changes; inside most other pairs it
// never does; in arm64 the instruction word's top byte says the same), and a mixer learns per
// file which context to trust.

class BodyModels {
  readonly seekZero = new FlagModel(1, 5);
  readonly seekSign = new FlagModel(1, 5);
  readonly seek = new NumberModel(5);
  readonly diffLength = new NumberModel(5);
  readonly extraLength = new NumberModel(5);
  readonly change = new ChangeModel();
  readonly repeat = new FlagModel(4, 5);
  readonly delta = new MixedByteModel([256, 256, 256, 1024, 1 << 14], 1);
  readonly literal = new MixedByteModel([1, 256, 1 << 14, 1 << 14], 1);
  readonly deltaVote = new MatchVote();
  readonly literalVote = new MatchVote();
}

/**
 * Whether a difference byte is non-zero, predicted by four models mixed: the two old bytes before
 * it (x86: the opcode and ModRM byte before an address), the old byte before and the one three
 * after it (an address's low byte inside a little-endian pointer), its place in a 4-byte word
 * and that word's top byte (arm64: the opcode of the instruction it is in), and the last eight
 * decisions with the position in an 8-byte word (pointers in data).
 */
class ChangeModel {
  // One array for the four tables (2^18 entries each), 22-bit probabilities: over millions of
  // unchanged bytes they must get far below 1/65536. Written out by hand (no Mixer object): this
  // runs for every byte of every patch.
  private readonly table = new Int32Array((1 << 18) + (3 << 16)).fill(64 << 6);
  private readonly weights = new Int32Array(5 * 4).fill(65536 / 5);
  private readonly vote = new Uint16Array(64).fill(32768);
  private readonly inputs = new Int32Array(5);
  private s0 = 0;
  private s1 = 0;
  private s2 = 0;
  private s3 = 0;
  private voteSlot = -1;
  private set = 0;
  private p = 32768;
  history = 0;

  /** P(changed) in 1/65536; `expected`: the match model's byte (-1: none) and its length. */
  predict(old: Uint8Array, at: number, expected: number, length: number): number {
    const n = old.length;
    const h2 = (this.history & 3) << 16;
    const a = at > 0 ? old[at - 1]! : 0;
    const b = at > 1 ? old[at - 2]! : 0;
    const c = at + 3 < n ? old[at + 3]! : 0;
    const word = at & ~3;
    const top = word + 3 < n ? old[word + 3]! : 0;
    const next = word + 2 < n ? old[word + 2]! : 0;
    const t = this.table;
    const inputs = this.inputs;
    this.s0 = h2 | (b << 8) | a;
    this.s1 = (1 << 18) | (a << 8) | c;
    this.s2 = (1 << 18) | (1 << 16) | ((at & 3) << 14) | (top << 6) | (next >> 2);
    this.s3 = (1 << 18) | (2 << 16) | ((this.history & 0xff) << 3) | (at & 7);
    inputs[0] = STRETCH_FINE[t[this.s0]! >>> 6]!;
    inputs[1] = STRETCH_FINE[t[this.s1]! >>> 6]!;
    inputs[2] = STRETCH_FINE[t[this.s2]! >>> 6]!;
    inputs[3] = STRETCH_FINE[t[this.s3]! >>> 6]!;
    if (expected < 0) {
      this.voteSlot = -1;
      inputs[4] = 0;
    } else {
      this.voteSlot = ((length < 31 ? length : 31) << 1) | (expected !== old[at] ? 1 : 0);
      inputs[4] = STRETCH[this.vote[this.voteSlot]! >>> 4]!;
    }
    const w = this.weights;
    const set = (this.set = (this.history & 3) * 5);
    const dot = inputs[0]! * w[set]! + inputs[1]! * w[set + 1]! + inputs[2]! * w[set + 2]! + inputs[3]! * w[set + 3]! + inputs[4]! * w[set + 4]!;
    this.p = squashFine(Math.floor(dot / 65536));
    return this.p;
  }

  update(bit: number): void {
    const t = this.table;
    if (bit) {
      t[this.s0] = t[this.s0]! + ((0x400000 - t[this.s0]!) >> 4);
      t[this.s1] = t[this.s1]! + ((0x400000 - t[this.s1]!) >> 4);
      t[this.s2] = t[this.s2]! + ((0x400000 - t[this.s2]!) >> 4);
      t[this.s3] = t[this.s3]! + ((0x400000 - t[this.s3]!) >> 4);
    } else {
      t[this.s0] = t[this.s0]! - (t[this.s0]! >> 4);
      t[this.s1] = t[this.s1]! - (t[this.s1]! >> 4);
      t[this.s2] = t[this.s2]! - (t[this.s2]! >> 4);
      t[this.s3] = t[this.s3]! - (t[this.s3]! >> 4);
    }
    const err = (bit << 16) - this.p;
    const w = this.weights;
    const inputs = this.inputs;
    for (let i = 0; i < 5; i++) {
      const v = w[this.set + i]! + ((inputs[i]! * err) >> 15);
      w[this.set + i] = v > WEIGHT_LIMIT ? WEIGHT_LIMIT : v < -WEIGHT_LIMIT ? -WEIGHT_LIMIT : v;
    }
    if (this.voteSlot >= 0) {
      const p = this.vote[this.voteSlot]!;
      this.vote[this.voteSlot] = bit ? p + ((65536 - p) >>> 5) : p - (p >>> 5);
    }
    this.history = ((this.history << 1) | bit) & 0xff;
  }
}

/** `expected`: the match model's byte in the coded representation (-1 for none). */
function encodeByte(rc: RangeEncoder, model: MixedByteModel, vote: MatchVote, expected: number, length: number, byte: number): void {
  let node = 1;
  for (let depth = 0; depth < 8; depth++) {
    const bit = (byte >>> (7 - depth)) & 1;
    rc.encodeWith(65536 - model.predict(node, depth, vote.input(expected, length, node, depth)), bit);
    model.update(node, bit);
    vote.learn(bit);
    node = (node << 1) | bit;
  }
}

function decodeByte(rc: RangeDecoder, model: MixedByteModel, vote: MatchVote, expected: number, length: number): number {
  let node = 1;
  for (let depth = 0; depth < 8; depth++) {
    const bit = rc.decodeWith(65536 - model.predict(node, depth, vote.input(expected, length, node, depth)));
    model.update(node, bit);
    vote.learn(bit);
    node = (node << 1) | bit;
  }
  return node - 256;
}

/** A context of up to 25 bits hashed to 14. */
const hash14 = (context: number) => Math.imul(context, 0x9e3779b1) >>> 18;

const at = (b: Uint8Array, i: number) => (i >= 0 && i < b.length ? b[i]! : 0);

function deltaContexts(m: BodyModels, old: Uint8Array, a: number, prevNew: number, prevNew2: number, lastDelta: number): void {
  m.delta.setContexts([lastDelta, at(old, a), prevNew, ((m.change.history & 3) << 8) | at(old, a - 1), hash14((prevNew2 << 8) | prevNew)]);
}

function literalContexts(m: BodyModels, neu: Uint8Array, n: number): void {
  const p1 = at(neu, n - 1);
  const p2 = at(neu, n - 2);
  m.literal.setContexts([0, p1, hash14((p2 << 8) | p1), hash14((1 << 24) | (at(neu, n - 3) << 16) | (p2 << 8) | p1)]);
}

export function encodeBody(old: Uint8Array, neu: Uint8Array, ops: readonly Operation[]): Uint8Array {
  const rc = new RangeEncoder();
  const m = new BodyModels();
  const match = new MatchModel(old, neu);
  let oldPos = 0;
  let newPos = 0;
  let lastDelta = 0;
  for (const op of ops) {
    m.seekZero.encode(rc, 0, op.seek === 0 ? 1 : 0);
    if (op.seek !== 0) {
      m.seekSign.encode(rc, 0, op.seek < 0 ? 1 : 0);
      m.seek.encode(rc, Math.abs(op.seek) - 1);
    }
    oldPos += op.seek;
    m.diffLength.encode(rc, op.diff);
    m.extraLength.encode(rc, op.extra);
    for (let i = 0; i < op.diff; i++) {
      const delta = (neu[newPos + i]! - old[oldPos + i]!) & 0xff;
      const history = m.change.history & 3;
      const changed = delta !== 0 ? 1 : 0;
      rc.encodeWith(65536 - m.change.predict(old, oldPos + i, match.expected(), match.length), changed);
      m.change.update(changed);
      if (changed) {
        const again = delta === lastDelta ? 1 : 0;
        m.repeat.encode(rc, history, again);
        if (!again) {
          deltaContexts(m, old, oldPos + i, at(neu, newPos + i - 1), at(neu, newPos + i - 2), lastDelta);
          const expected = match.expected();
          encodeByte(rc, m.delta, m.deltaVote, expected < 0 ? -1 : (expected - old[oldPos + i]!) & 0xff, match.length, delta);
        }
        lastDelta = delta;
      }
      match.update(newPos + i, changed === 1);
    }
    oldPos += op.diff;
    newPos += op.diff;
    for (let i = 0; i < op.extra; i++) {
      literalContexts(m, neu, newPos);
      encodeByte(rc, m.literal, m.literalVote, match.expected(), match.length, neu[newPos]!);
      match.update(newPos, true);
      newPos++;
    }
  }
  return rc.finish();
}

export function decodeBody(old: Uint8Array, body: Uint8Array, newSize: number): Uint8Array {
  const rc = new RangeDecoder(body);
  const m = new BodyModels();
  const neu = new Uint8Array(newSize);
  const match = new MatchModel(old, neu);
  let oldPos = 0;
  let newPos = 0;
  let lastDelta = 0;
  while (newPos < newSize) {
    if (m.seekZero.decode(rc, 0) === 0) {
      const negative = m.seekSign.decode(rc, 0);
      const magnitude = m.seek.decode(rc) + 1;
      oldPos += negative ? -magnitude : magnitude;
      // Every seek an encoder makes lands inside the old file: refusing others keeps the
      // position small (a Number stays exact, as Go's int64 does).
      if (oldPos < 0 || oldPos > old.length) throw new CorruptPatchError(`a seek to old position ${oldPos}, outside the old file (${old.length} bytes)`);
    }
    const diff = m.diffLength.decode(rc);
    const extra = m.extraLength.decode(rc);
    if (diff + extra === 0 || newPos + diff + extra > newSize) throw new CorruptPatchError(`an operation of ${diff} + ${extra} bytes at ${newPos} of ${newSize}`);
    if (diff > 0 && (oldPos < 0 || oldPos + diff > old.length)) throw new CorruptPatchError(`old bytes ${oldPos}–${oldPos + diff} are outside the old file (${old.length} bytes)`);
    for (let i = 0; i < diff; i++) {
      let delta = 0;
      const history = m.change.history & 3;
      const changed = rc.decodeWith(65536 - m.change.predict(old, oldPos + i, match.expected(), match.length));
      m.change.update(changed);
      if (changed) {
        if (m.repeat.decode(rc, history)) delta = lastDelta;
        else {
          deltaContexts(m, old, oldPos + i, at(neu, newPos + i - 1), at(neu, newPos + i - 2), lastDelta);
          const expected = match.expected();
          delta = decodeByte(rc, m.delta, m.deltaVote, expected < 0 ? -1 : (expected - old[oldPos + i]!) & 0xff, match.length);
        }
        lastDelta = delta;
      }
      neu[newPos + i] = (old[oldPos + i]! + delta) & 0xff;
      match.update(newPos + i, changed === 1);
    }
    oldPos += diff;
    newPos += diff;
    for (let i = 0; i < extra; i++) {
      literalContexts(m, neu, newPos);
      neu[newPos] = decodeByte(rc, m.literal, m.literalVote, match.expected(), match.length);
      match.update(newPos, true);
      newPos++;
    }
  }
  if (rc.consumed !== body.length) throw new CorruptPatchError(`${body.length - rc.consumed} bytes after the end of the coded body`);
  return neu;
}
