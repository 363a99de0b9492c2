// Finds how the new file is made of the old one: a list of operations, each "move the old
// position by `seek`, add the next `diff` old bytes to as many difference bytes, then copy
// `extra` new bytes". This is bsdiff's construction (Colin Percival, "Naive
// differences of executable code", 2003): approximate matches extended forwards and backwards
// while at least half of their bytes agree, so code whose addresses shifted still matches and
// only the changed address bytes show up as differences. bsdiff finds exact matches with a
// suffix array (17n bytes of memory, most of its time); we find them with a hash chain over the
// old file's 8-byte sequences (2n bytes), which on programs finds the same long matches.

export interface Operation {
  seek: number;
  diff: number;
  extra: number;
}

const SEED = 8; // bytes hashed: a match shorter than this cannot start a new alignment anyway
const HASH_BITS = 20; // 4 MB of heads: fits the caches better than 16 MB, and chains stay short
const CHAIN_DEPTH = 48; // candidates tried per position: runs of zeros would make chains endless
const STRIDE = 2; // every second old position is indexed: a match at an odd one is found a byte later, then extended back
const GOOD_ENOUGH = 4096; // a match this long is taken without looking further

function seedHash(b: Uint8Array, i: number): number {
  const lo = (b[i]! | (b[i + 1]! << 8) | (b[i + 2]! << 16) | (b[i + 3]! << 24)) >>> 0;
  const hi = (b[i + 4]! | (b[i + 5]! << 8) | (b[i + 6]! << 16) | (b[i + 7]! << 24)) >>> 0;
  return (Math.imul(lo, 0x9e3779b1) ^ Math.imul(hi ^ (lo >>> 15), 0x85ebca77)) >>> (32 - HASH_BITS);
}

class MatchFinder {
  private readonly head = new Int32Array(1 << HASH_BITS); // 1 + the last indexed position of each hash (0: none)
  private readonly chain: Int32Array;
  position = 0;

  constructor(
    private readonly old: Uint8Array,
    private readonly neu: Uint8Array,
  ) {
    // chain[i / STRIDE]: the indexed position before i with the same hash (-1: none).
    this.chain = new Int32Array(Math.max(Math.ceil(old.length / STRIDE), 1));
    for (let i = 0; i + SEED <= old.length; i += STRIDE) {
      const h = seedHash(old, i);
      this.chain[i / STRIDE] = this.head[h]! - 1;
      this.head[h] = i + 1;
    }
  }

  private agree(oldAt: number, newAt: number): number {
    const { old, neu } = this;
    const limit = Math.min(old.length - oldAt, neu.length - newAt);
    let n = 0;
    while (n < limit && old[oldAt + n] === neu[newAt + n]) n++;
    return n;
  }

  /** The longest match for new[at…] found; `hint` (the current alignment) is tried first. */
  longest(at: number, hint: number): number {
    let best = 0;
    this.position = 0;
    if (hint >= 0 && hint < this.old.length) {
      best = this.agree(hint, at);
      this.position = hint;
    }
    if (at + SEED > this.neu.length || best >= GOOD_ENOUGH) return best;
    const { old, neu, chain } = this;
    let candidate = this.head[seedHash(neu, at)]! - 1;
    for (let tries = 0; candidate >= 0 && tries < CHAIN_DEPTH; tries++, candidate = chain[candidate / STRIDE]!) {
      if (old[candidate + best] !== neu[at + best]) continue;
      const length = this.agree(candidate, at);
      if (length > best) {
        best = length;
        this.position = candidate;
        if (length >= GOOD_ENOUGH) break;
      }
    }
    return best;
  }
}

/** bsdiff's scan, over `MatchFinder`. Every operation has diff + extra > 0. */
export function findOperations(old: Uint8Array, neu: Uint8Array): Operation[] {
  const finder = new MatchFinder(old, neu);
  const n = neu.length;
  const m = old.length;
  const same = (oldAt: number, newAt: number) => oldAt >= 0 && oldAt < m && old[oldAt] === neu[newAt];
  const ops: Operation[] = [];
  let scan = 0;
  let length = 0;
  let pos = 0;
  let lastScan = 0;
  let lastPos = 0;
  let lastOffset = 0;
  let pendingSeek = 0;
  while (scan < n) {
    let oldScore = 0;
    let scored = (scan += length);
    for (; scan < n; scan++) {
      length = finder.longest(scan, scan + lastOffset);
      pos = finder.position;
      for (; scored < scan + length; scored++) if (same(scored + lastOffset, scored)) oldScore++;
      if ((length === oldScore && length !== 0) || length > oldScore + 8) break;
      if (same(scan + lastOffset, scan)) oldScore--;
    }
    if (length === oldScore && scan !== n) continue;

    // Extend the previous match forwards and this one backwards while they score.
    let forward = 0;
    for (let i = 0, s = 0, best = 0; lastScan + i < scan && lastPos + i < m; ) {
      if (old[lastPos + i] === neu[lastScan + i]) s++;
      i++;
      if (s * 2 - i > best * 2 - forward) {
        best = s;
        forward = i;
      }
    }
    let backward = 0;
    if (scan < n) {
      for (let i = 1, s = 0, best = 0; scan >= lastScan + i && pos >= i; i++) {
        if (old[pos - i] === neu[scan - i]) s++;
        if (s * 2 - i > best * 2 - backward) {
          best = s;
          backward = i;
        }
      }
    }
    if (lastScan + forward > scan - backward) {
      const overlap = lastScan + forward - (scan - backward);
      let s = 0;
      let best = 0;
      let split = 0;
      for (let i = 0; i < overlap; i++) {
        if (neu[lastScan + forward - overlap + i] === old[lastPos + forward - overlap + i]) s++;
        if (neu[scan - backward + i] === old[pos - backward + i]) s--;
        if (s > best) {
          best = s;
          split = i + 1;
        }
      }
      forward += split - overlap;
      backward -= split;
    }
    const diff = forward;
    const extra = scan - backward - (lastScan + forward);
    if (diff + extra > 0) {
      ops.push({ seek: pendingSeek, diff, extra });
      pendingSeek = 0;
    }
    pendingSeek += pos - backward - (lastPos + forward);
    lastScan = scan - backward;
    lastPos = pos - backward;
    lastOffset = pos - scan;
  }
  return ops;
}
