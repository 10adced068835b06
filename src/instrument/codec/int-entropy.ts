/**
 * The two integer stream modes that look past bit widths: value runs (run values and run
 * lengths as two nested integer streams) and canonical Huffman codes over the distinct values
 * or the distinct deltas (skewed data such as rain, where most days are 0, or monthly times
 * whose deltas are 28 to 31 days). Nested streams use only FOR, delta and delta runs.
 */
import { BitReader, BitWriter } from './bit-pack.js';
import { ByteReader, ByteWriter, malformed, varintSize } from './byte-io.js';

/** Longest Huffman code. */
const MAX_LEN = 24;
/** Bits of the decoder's lookup table (codes up to this long decode in one step). */
const TABLE_BITS = 10;

/** Runs of equal values: their values and lengths (fresh arrays). */
export function valueRuns(v: Float64Array, n: number): { values: Float64Array; lengths: Float64Array } | null {
  let r = n > 0 ? 1 : 0;
  for (let i = 1; i < n; i++) if (v[i] !== v[i - 1]) r++;
  if (r * 4 > n) return null;
  const values = new Float64Array(r);
  const lengths = new Float64Array(r);
  let k = -1;
  for (let i = 0; i < n; i++) {
    if (i === 0 || v[i] !== v[i - 1]) {
      k++;
      values[k] = v[i]!;
    }
    lengths[k]!++;
  }
  return { values, lengths };
}

/** Expands runs into out[0..n); lengths must be ≥ 1 and sum to n. */
export function expandRuns(values: Float64Array, lengths: Float64Array, out: Float64Array, n: number): void {
  let i = 0;
  for (let k = 0; k < values.length; k++) {
    const len = lengths[k]!;
    if (!(len >= 1 && len <= n - i)) throw malformed('run length out of range');
    out.fill(values[k]!, i, i + len);
    i += len;
  }
  if (i !== n) throw malformed('runs do not cover the values');
}

/** Huffman code lengths (≤ {@link MAX_LEN}) of symbols with these frequencies (k ≥ 2). */
export function codeLengths(freq: readonly number[]): number[] {
  const k = freq.length;
  let f = freq.slice();
  for (;;) {
    const order = Array.from({ length: k }, (_, i) => i).sort((a, b) => f[a]! - f[b]! || a - b);
    const weight = new Float64Array(2 * k - 1);
    const parent = new Int32Array(2 * k - 1);
    for (let i = 0; i < k; i++) weight[i] = f[order[i]!]!;
    // Two queues: leaves in weight order, internal nodes as made (also in weight order).
    let leaf = 0;
    let inner = k;
    for (let next = k; next < 2 * k - 1; next++) {
      const pick = (): number => (leaf < k && (inner >= next || weight[leaf]! <= weight[inner]!) ? leaf++ : inner++);
      const a = pick();
      const b = pick();
      weight[next] = weight[a]! + weight[b]!;
      parent[a] = next;
      parent[b] = next;
    }
    const depth = new Int32Array(2 * k - 1);
    let max = 0;
    for (let node = 2 * k - 3; node >= 0; node--) {
      depth[node] = depth[parent[node]!]! + 1;
      if (node < k && depth[node]! > max) max = depth[node]!;
    }
    if (max <= MAX_LEN) {
      const lengths = new Array<number>(k);
      for (let i = 0; i < k; i++) lengths[order[i]!] = depth[i]!;
      return lengths;
    }
    f = f.map((x) => Math.floor(x / 2) + 1);
  }
}

/** Canonical codes (bit-reversed, so the first code bit is written first) for these lengths. */
function canonicalCodes(lengths: readonly number[]): number[] {
  const k = lengths.length;
  const order = Array.from({ length: k }, (_, i) => i).sort((a, b) => lengths[a]! - lengths[b]! || a - b);
  const codes = new Array<number>(k).fill(0);
  let code = 0;
  let len = lengths[order[0]!]!;
  for (const s of order) {
    code = code * 2 ** (lengths[s]! - len);
    len = lengths[s]!;
    let rev = 0;
    for (let b = 0; b < len; b++) rev = rev * 2 + (Math.floor(code / 2 ** b) % 2);
    codes[s] = rev;
    code++;
  }
  return codes;
}

/** A Huffman plan: source values (or deltas), the sorted symbols, their code lengths and payload bits. */
export interface HuffmanPlan {
  readonly deltas: boolean;
  readonly symbols: Float64Array;
  readonly lengths: Float64Array;
  readonly bits: number;
}

/** Distinct values in ascending order with their counts. */
interface Histogram {
  readonly symbols: Float64Array;
  readonly freq: number[];
}

let countScratch = new Int32Array(1024);
/** Value ranges up to this many times the count are counted in an array rather than a map. */
const ARRAY_RANGE = 8;

/** Distinct values of src[from..n) (all within [min, max]) with counts, or null when more than `cap`. */
function histogram(src: Float64Array, from: number, n: number, min: number, max: number, cap: number): Histogram | null {
  const range = max - min + 1;
  if (range <= Math.max(1024, ARRAY_RANGE * n)) {
    if (countScratch.length < range) countScratch = new Int32Array(Math.max(range, countScratch.length * 2));
    const counts = countScratch;
    counts.fill(0, 0, range);
    for (let i = from; i < n; i++) counts[src[i]! - min]!++;
    const symbols: number[] = [];
    const freq: number[] = [];
    for (let x = 0; x < range; x++) {
      const c = counts[x]!;
      if (c === 0) continue;
      if (symbols.length >= cap) return null;
      symbols.push(x + min);
      freq.push(c);
    }
    return { symbols: Float64Array.from(symbols), freq };
  }
  const counts = new Map<number, number>();
  for (let i = from; i < n; i++) {
    const x = src[i]!;
    const c = counts.get(x);
    if (c === undefined) {
      if (counts.size >= cap) return null;
      counts.set(x, 1);
    } else counts.set(x, c + 1);
  }
  const symbols = Float64Array.from(counts.keys()).sort();
  return { symbols, freq: Array.from(symbols, (x) => counts.get(x)!) };
}

function entropyBits(h: Histogram, total: number): number {
  let bits = 0;
  for (const c of h.freq) bits += c * Math.log2(total / c);
  return bits;
}

/** Value and delta ranges known from the basic plan. */
export interface Ranges {
  readonly min: number;
  readonly max: number;
  /** Delta range, or null when deltas are not exact. */
  readonly minD: number | null;
  readonly maxD: number | null;
}

/**
 * Plans Huffman coding of the values or (from index 1) their deltas, whichever has less
 * entropy; null when neither can beat `budget` bytes (entropy is a lower bound of the payload).
 */
export function planHuffman(v: Float64Array, n: number, deltas: Float64Array | null, r: Ranges, budget: number): HuffmanPlan | null {
  const cap = Math.max(16, n >>> 1);
  const a = histogram(v, 0, n, r.min, r.max, cap);
  const b = deltas === null || r.minD === null || r.maxD === null ? null : histogram(deltas, 1, n, r.minD, r.maxD, cap);
  const ea = a === null ? Infinity : entropyBits(a, n);
  const eb = b === null ? Infinity : entropyBits(b, n - 1);
  const useDeltas = eb < ea;
  const h = useDeltas ? b : a;
  // The payload takes at least the entropy; the code table about half a byte per symbol.
  if (h === null || h.symbols.length < 2 || Math.min(ea, eb) / 8 + h.symbols.length / 2 >= budget) return null;
  const lens = codeLengths(h.freq);
  let bits = 0;
  for (let i = 0; i < lens.length; i++) bits += lens[i]! * h.freq[i]!;
  return { deltas: useDeltas, symbols: h.symbols, lengths: Float64Array.from(lens), bits };
}

/** Bytes of the payload part of a Huffman body (its length varint and bits). */
export function huffmanPayloadSize(p: HuffmanPlan): number {
  const bytes = Math.ceil(p.bits / 8);
  return varintSize(bytes) + bytes;
}

/** Writes the payload: byte length, then each value's code (values from `from`). */
export function writeHuffmanPayload(w: ByteWriter, p: HuffmanPlan, src: Float64Array, from: number, n: number): void {
  const lens = Array.from(p.lengths);
  const codes = canonicalCodes(lens);
  const index = new Map<number, number>();
  p.symbols.forEach((s, i) => index.set(s, i));
  w.varint(Math.ceil(p.bits / 8));
  const bw = new BitWriter(p.bits);
  for (let i = from; i < n; i++) {
    const s = index.get(src[i]!)!;
    bw.bits(codes[s]!, lens[s]!);
  }
  bw.flush(w);
}

/** Reads a payload of `n − from` codes into out[from..n). */
export function readHuffmanPayload(r: ByteReader, symbols: Float64Array, lengths: Float64Array, out: Float64Array, from: number, n: number): void {
  const k = symbols.length;
  const count = new Int32Array(MAX_LEN + 1);
  let maxLen = 0;
  for (let i = 0; i < k; i++) {
    const len = lengths[i]!;
    if (!(len >= 1 && len <= MAX_LEN)) throw malformed('Huffman code length out of range');
    count[len]!++;
    if (len > maxLen) maxLen = len;
  }
  // Kraft: an over-full set of lengths is no prefix code.
  let kraft = 0;
  for (let len = 1; len <= maxLen; len++) kraft += count[len]! * 2 ** (MAX_LEN - len);
  if (kraft > 2 ** MAX_LEN) throw malformed('Huffman code lengths over-subscribed');
  // Canonical order: by length, then by symbol.
  const sorted = new Float64Array(k);
  const offsets = new Int32Array(MAX_LEN + 2);
  for (let len = 1; len <= MAX_LEN; len++) offsets[len + 1] = offsets[len]! + count[len]!;
  for (let i = 0; i < k; i++) sorted[offsets[lengths[i]!]!++] = symbols[i]!;
  const lengthStart = new Int32Array(MAX_LEN + 2);
  for (let len = 1; len <= MAX_LEN; len++) lengthStart[len + 1] = lengthStart[len]! + count[len]!;
  // Lookup table over the next TABLE_BITS stream bits: (symbol index + 1) · 32 + length.
  const tb = Math.min(TABLE_BITS, maxLen);
  const table = new Int32Array(1 << tb);
  let code = 0;
  let idx = 0;
  for (let len = 1; len <= tb; len++) {
    for (let c = 0; c < count[len]!; c++, idx++, code++) {
      let rev = 0;
      for (let b = 0; b < len; b++) rev |= ((code >>> b) & 1) << (len - 1 - b);
      for (let fill = rev; fill < 1 << tb; fill += 1 << len) table[fill] = ((idx + 1) << 5) | len;
    }
    code <<= 1;
  }
  const nBytes = r.varint();
  if (nBytes > r.left) throw malformed('unexpected end');
  if ((n - from) > nBytes * 8) throw malformed('too few bits for the count');
  const br = new BitReader(r, nBytes);
  const words = br.words;
  const mask = (1 << tb) - 1;
  let pos = 0;
  for (let i = from; i < n; i++) {
    const wi = pos >>> 5;
    const off = pos & 31;
    let peek = words[wi]! >>> off;
    if (off + tb > 32) peek |= words[wi + 1]! << (32 - off);
    const hit = table[peek & mask]!;
    if (hit !== 0) {
      out[i] = sorted[(hit >>> 5) - 1]!;
      pos += hit & 31;
    } else {
      // Longer code: walk the canonical code one bit at a time.
      let c = 0;
      let first = 0;
      let len = 0;
      for (;;) {
        if (++len > maxLen) throw malformed('invalid Huffman code');
        c |= (words[pos >>> 5]! >>> (pos & 31)) & 1;
        pos++;
        const cnt = count[len]!;
        if (c - first < cnt) {
          out[i] = sorted[lengthStart[len]! + c - first]!;
          break;
        }
        first = (first + cnt) << 1;
        c <<= 1;
      }
    }
    if (pos > br.limit) throw malformed('bit stream ends early');
  }
  if ((pos + 7) >>> 3 !== nBytes) throw malformed('Huffman payload length does not match');
}
