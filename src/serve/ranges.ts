// The Range header (RFC 9110 §14): which bytes of a file of `size` bytes a request asks for.

export interface ByteRange {
  /** First byte, inclusive. */
  start: number;
  /** Last byte, inclusive. */
  end: number;
}

/** More ranges than this in one request are answered with the whole file (RFC 9110 allows ignoring Range). */
export const MAX_RANGES = 64;

export type RangeRequest =
  | { kind: 'whole' } // no Range, one we do not understand, or one we choose to ignore
  | { kind: 'unsatisfiable' } // 416
  | { kind: 'ranges'; ranges: ByteRange[] }; // 206, one range or several (multipart/byteranges)

const SPEC = /^(\d*)-(\d*)$/;

/**
 * Reads `header` against a file of `size` bytes. A header that is not `bytes=…` or does not parse
 * is ignored (the whole file, as RFC 9110 says); ranges that start past the end are dropped, and
 * if none is left the request is unsatisfiable. Overlapping ranges, or too many, get the whole
 * file: a client asking for them gains nothing from parts, and it keeps the answer small.
 */
export function parseRange(header: string | undefined, size: number): RangeRequest {
  if (header === undefined) return { kind: 'whole' };
  const m = /^\s*bytes\s*=\s*(.+)$/i.exec(header);
  if (!m) return { kind: 'whole' };
  const specs = m[1]!.split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (specs.length === 0 || specs.length > MAX_RANGES) return { kind: 'whole' };
  const ranges: ByteRange[] = [];
  for (const spec of specs) {
    const parts = SPEC.exec(spec);
    if (!parts || (parts[1] === '' && parts[2] === '')) return { kind: 'whole' };
    const [first, last] = [parts[1]!, parts[2]!];
    if (first === '') {
      // bytes=-N: the last N bytes.
      const suffix = Number(last);
      if (suffix === 0 || size === 0) continue;
      ranges.push({ start: Math.max(0, size - suffix), end: size - 1 });
      continue;
    }
    const start = Number(first);
    const end = last === '' ? size - 1 : Number(last);
    if (last !== '' && end < start) return { kind: 'whole' }; // invalid, so the header is ignored
    if (start >= size) continue;
    ranges.push({ start, end: Math.min(end, size - 1) });
  }
  if (ranges.length === 0) return { kind: 'unsatisfiable' };
  const sorted = [...ranges].sort((a, b) => a.start - b.start);
  if (sorted.some((r, i) => i > 0 && r.start <= sorted[i - 1]!.end)) return { kind: 'whole' };
  return { kind: 'ranges', ranges };
}
