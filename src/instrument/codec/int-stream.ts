/**
 * The integer stream: n integers held exactly in doubles (|v| < 2^53, and max − min < 2^53)
 * as frame-of-reference bit packing, delta + FOR bit packing, delta runs (delta-of-delta with
 * run lengths), value runs or Huffman codes (int-entropy.ts), whichever is smallest. Times,
 * integer columns, ALP's scaled decimals, dictionary codes and bools all end here, so hot
 * loops run on numbers, never on BigInt.
 */
import { packInto, packedSize, unpackInto } from './bit-pack.js';
import { ByteReader, ByteWriter, bitsFor, malformed, readPositions, svarintSize, varintSize, writePositions } from './byte-io.js';
import { expandRuns, huffmanPayloadSize, planHuffman, readHuffmanPayload, valueRuns, writeHuffmanPayload } from './int-entropy.js';

/** Codec id bytes (the first byte of every value stream). */
export const ID = {
  raw: 0,
  for: 1,
  delta: 2,
  runs: 3,
  for64: 4,
  alp: 5,
  xor: 6,
  bool: 7,
  dict: 8,
  rle: 9,
  huffman: 10,
  alp32: 11,
} as const;

/** Id flag: an NA position list follows the id byte (integer codecs 1–4, 9 and 10 only). */
export const FLAG_NA = 0x80;

/** Codec names by id, as {@link valueCodecName} reports them. */
export const CODEC_NAMES: readonly string[] = [
  'raw',
  'for-bitpack',
  'delta-bitpack',
  'delta-runs',
  'for-bitpack-64',
  'alp',
  'xor',
  'bool',
  'dict',
  'rle',
  'huffman',
  'alp-float32',
];

/** Whether the NA flag may be set on this id. */
export function takesNA(id: number): boolean {
  return (id >= ID.for && id <= ID.for64) || id === ID.rle || id === ID.huffman;
}

const MAX_SAFE = Number.MAX_SAFE_INTEGER;

/** Whether `n` doubles (integers, |v| ≤ 2^53 − 1) fit the stream: their range is below 2^53. */
export function fitsIntStream(v: Float64Array, n: number): boolean {
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < n; i++) {
    const x = v[i]!;
    if (x < min) min = x;
    if (x > max) max = x;
  }
  return n === 0 || max - min <= MAX_SAFE;
}

interface Plan {
  readonly id: number;
  readonly deltaOk: boolean;
  readonly size: number;
  readonly min: number;
  readonly max: number;
  readonly width: number;
  readonly minD: number;
  readonly maxD: number;
  readonly widthD: number;
}

/** Measures every mode in one pass and returns the smallest (ties: FOR, then delta). */
function plan(v: Float64Array, n: number): Plan {
  if (n === 0) return { id: ID.for, deltaOk: false, size: 2, min: 0, max: 0, width: 0, minD: 0, maxD: 0, widthD: 0 };
  let min = v[0]!;
  let max = min;
  let minD = Infinity;
  let maxD = -Infinity;
  let deltaOk = true;
  let runBytes = 0;
  let runCount = 0;
  let runDelta = 0;
  let runLen = 0;
  let prevRunDelta = 0;
  let prev = min;
  for (let i = 1; i < n; i++) {
    const x = v[i]!;
    if (x < min) min = x;
    else if (x > max) max = x;
    const d = x - prev;
    prev = x;
    if (d < minD) minD = d;
    if (d > maxD) maxD = d;
    if (runLen > 0 && d === runDelta) runLen++;
    else {
      if (runLen > 0) {
        runBytes += svarintSize(runDelta - prevRunDelta) + varintSize(runLen);
        prevRunDelta = runDelta;
      }
      runDelta = d;
      runLen = 1;
      runCount++;
    }
  }
  if (n > 1) {
    if (Math.abs(minD) > MAX_SAFE || Math.abs(maxD) > MAX_SAFE || maxD - minD > MAX_SAFE) deltaOk = false;
    runBytes += svarintSize(runDelta - prevRunDelta) + varintSize(runLen);
  }
  const width = bitsFor(max - min);
  deltaOk &&= n > 1;
  let best: Plan = { id: ID.for, deltaOk, size: svarintSize(min) + 1 + packedSize(n, width), min, max, width, minD, maxD, widthD: 0 };
  if (deltaOk) {
    const widthD = bitsFor(maxD - minD);
    const deltaSize = svarintSize(v[0]!) + svarintSize(minD) + 1 + packedSize(n - 1, widthD);
    if (deltaSize < best.size) best = { id: ID.delta, deltaOk, size: deltaSize, min, max, width, minD, maxD, widthD };
    // deltaOk bounds maxD − minD, so every change of delta between runs is exact too.
    const runsSize = svarintSize(v[0]!) + varintSize(runCount) + runBytes;
    if (runsSize < best.size) best = { id: ID.runs, deltaOk, size: runsSize, min, max, width, minD, maxD, widthD };
  }
  return best;
}

/** Bytes {@link writeIntStream} would write for these values without an NA list. */
export function intStreamSize(v: Float64Array, n: number): number {
  return 1 + plan(v, n).size;
}

/** Gives the positions in `gaps` (ascending) the previous other value, or the first other value when leading (0 when none). */
export function fillGaps(v: Float64Array, n: number, gaps: readonly number[]): void {
  if (gaps.length === 0) return;
  let first = 0;
  for (let i = 0, k = 0; i < n; i++) {
    if (k < gaps.length && gaps[k] === i) k++;
    else {
      first = v[i]!;
      break;
    }
  }
  let prev = first;
  for (let i = 0, k = 0; i < n; i++) {
    if (k < gaps.length && gaps[k] === i) {
      v[i] = prev;
      k++;
    } else prev = v[i]!;
  }
}

/** Huffman must beat the basic modes by this factor (its decoding is slower). */
const HUFFMAN_GAIN = 0.9;

/**
 * Writes [id | FLAG_NA?][NA positions?][body] for n integers; the caller has checked
 * {@link fitsIntStream}. NA positions hold a filler in `v` (any value in range). `level` 2
 * allows every mode; nested streams get 1 (inside runs: no runs again) or 0 (basic only).
 */
export function writeIntStream(w: ByteWriter, v: Float64Array, n: number, na: readonly number[] | null = null, level = 2): void {
  const p = plan(v, n);
  const hasNA = na !== null && na.length > 0;
  const flag = hasNA ? FLAG_NA : 0;
  if (level > 0 && n >= 8) {
    let best = p.size;
    let runsBody: Uint8Array | null = null;
    const runs = level === 2 ? valueRuns(v, n) : null;
    if (runs !== null) {
      const r = runs.values.length;
      const cw = new ByteWriter(true);
      cw.varint(r);
      writeIntStream(cw, runs.values, r, null, 1);
      writeIntStream(cw, runs.lengths, r, null, 1);
      if (cw.pos < best) {
        best = cw.pos;
        runsBody = cw.finish();
      }
    }
    // Huffman spends at least a bit per value: no use when the best so far spends less.
    const d = best * 8 > n && p.deltaOk ? deltasOf(v, n) : null;
    const ranges = { min: p.min, max: p.max, minD: p.deltaOk ? p.minD : null, maxD: p.deltaOk ? p.maxD : null };
    const h = best * 8 > n ? planHuffman(v, n, d, ranges, best * HUFFMAN_GAIN) : null;
    const k = h === null ? 0 : h.symbols.length;
    const huffSize = h === null ? Infinity : 1 + (h.deltas ? svarintSize(v[0]!) : 0) + varintSize(k) + intStreamSize(h.symbols, k) + intStreamSize(h.lengths, k) + huffmanPayloadSize(h);
    if (h !== null && huffSize < best * HUFFMAN_GAIN) {
      w.byte(ID.huffman | flag);
      if (hasNA) writePositions(w, na);
      w.byte(h.deltas ? 1 : 0);
      if (h.deltas) w.svarint(v[0]!);
      w.varint(k);
      writeIntStream(w, h.symbols, k, null, 0);
      writeIntStream(w, h.lengths, k, null, 0);
      writeHuffmanPayload(w, h, h.deltas ? d! : v, h.deltas ? 1 : 0, n);
      return;
    }
    if (runsBody !== null) {
      w.byte(ID.rle | flag);
      if (hasNA) writePositions(w, na);
      w.bytes(runsBody);
      return;
    }
  }
  w.byte(p.id | flag);
  if (hasNA) writePositions(w, na);
  writeBasic(w, v, n, p);
}

/** v[i] − v[i − 1] for i ≥ 1 in a fresh array (nested streams reuse the shared scratch). */
function deltasOf(v: Float64Array, n: number): Float64Array {
  const d = new Float64Array(n);
  for (let i = 1; i < n; i++) d[i] = v[i]! - v[i - 1]!;
  return d;
}

function writeBasic(w: ByteWriter, v: Float64Array, n: number, p: Plan): void {
  if (p.id === ID.for) {
    w.svarint(p.min);
    w.byte(p.width);
    packInto(w, v, 0, n, p.min, p.width);
    return;
  }
  w.svarint(v[0]!);
  if (p.id === ID.delta) {
    // Differences go to a scratch array so the caller's values stay as they are.
    const d = deltaScratch(n);
    for (let i = 1; i < n; i++) d[i] = v[i]! - v[i - 1]!;
    w.svarint(p.minD);
    w.byte(p.widthD);
    packInto(w, d, 1, n - 1, p.minD, p.widthD);
    return;
  }
  // Runs: count, then per run the change of delta and the run length.
  let runs = 0;
  for (let i = 1, last = NaN; i < n; i++) {
    const d = v[i]! - v[i - 1]!;
    if (d !== last) runs++;
    last = d;
  }
  w.varint(runs);
  let prevDelta = 0;
  let i = 1;
  while (i < n) {
    const d = v[i]! - v[i - 1]!;
    let j = i + 1;
    while (j < n && v[j]! - v[j - 1]! === d) j++;
    w.svarint(d - prevDelta);
    w.varint(j - i);
    prevDelta = d;
    i = j;
  }
}

let deltas = new Float64Array(1024);

function deltaScratch(n: number): Float64Array {
  if (deltas.length < n) deltas = new Float64Array(Math.max(n, deltas.length * 2));
  return deltas;
}

/** Whether `id` (without the NA flag) is one of the double-path integer codecs. */
export function isIntId(id: number): boolean {
  return id === ID.for || id === ID.delta || id === ID.runs || id === ID.rle || id === ID.huffman;
}

/** A nested stream (no NA; level 1: basic or Huffman, 0: basic) of k values (k bounded by the caller). */
function readNested(r: ByteReader, k: number, level: number): Float64Array {
  const out = new Float64Array(k);
  const id = r.byte();
  if (id !== ID.for && id !== ID.delta && id !== ID.runs && !(level === 1 && id === ID.huffman)) throw malformed(`nested codec id ${id}`);
  readIntBody(r, id, out, k);
  return out;
}

/** Reads the NA list when the id byte has {@link FLAG_NA} (it must not be empty). */
export function readNA(r: ByteReader, idByte: number, n: number): number[] | null {
  if ((idByte & FLAG_NA) === 0) return null;
  const na = readPositions(r, n);
  if (na.length === 0) throw malformed('empty NA list');
  return na;
}

/** Reads the body of integer codec `id` (1–3, 9, 10) into out[0..n). */
export function readIntBody(r: ByteReader, id: number, out: Float64Array, n: number): void {
  if (id === ID.rle) {
    const k = r.varint();
    if (k > n || (n > 0 && k === 0)) throw malformed('run count out of range');
    const values = readNested(r, k, 1);
    const lengths = readNested(r, k, 1);
    expandRuns(values, lengths, out, n);
    return;
  }
  if (id === ID.huffman) {
    const mode = r.byte();
    if (mode > 1) throw malformed('Huffman mode out of range');
    const from = mode;
    if (mode === 1) {
      if (n === 0) throw malformed('Huffman deltas with no values');
      out[0] = r.svarint();
    }
    const k = r.varint();
    if (k < 2 || k > n) throw malformed('Huffman symbol count out of range');
    const symbols = readNested(r, k, 0);
    const lengths = readNested(r, k, 0);
    readHuffmanPayload(r, symbols, lengths, out, from, n);
    if (mode === 1) for (let i = 1; i < n; i++) out[i] = out[i - 1]! + out[i]!;
    return;
  }
  if (id === ID.for) {
    const min = r.svarint();
    const width = r.byte();
    if (width > 53) throw malformed('bit width above 53');
    unpackInto(r, out, 0, n, min, width);
    return;
  }
  if (n === 0) throw malformed('delta stream with no values');
  const first = r.svarint();
  out[0] = first;
  if (id === ID.delta) {
    const minD = r.svarint();
    const width = r.byte();
    if (width > 53) throw malformed('bit width above 53');
    let acc = first;
    if (width === 0) {
      // A constant step (regular times): one pass.
      for (let i = 1; i < n; i++) out[i] = acc += minD;
      return;
    }
    unpackInto(r, out, 1, n - 1, minD, width);
    for (let i = 1; i < n; i++) out[i] = acc += out[i]!;
    return;
  }
  if (id !== ID.runs) throw malformed(`codec ${id} is not an integer codec`);
  const runs = r.varint();
  if (runs > n - 1 || runs * 2 > r.left) throw malformed('run count out of range');
  let delta = 0;
  let acc = first;
  let i = 1;
  for (let k = 0; k < runs; k++) {
    delta += r.svarint();
    const len = r.varint();
    if (len === 0 || len > n - i) throw malformed('run length out of range');
    for (const end = i + len; i < end; i++) {
      acc += delta;
      out[i] = acc;
    }
  }
  if (i !== n) throw malformed('runs do not cover the values');
}

/** Reads a whole stream written by {@link writeIntStream} (codecs 1–3, 9, 10) into out[0..n); returns its NA positions. */
export function readIntStream(r: ByteReader, out: Float64Array, n: number, allowNA: boolean): number[] | null {
  const idByte = r.byte();
  const id = idByte & ~FLAG_NA;
  if (!isIntId(id) || (!allowNA && idByte & FLAG_NA)) throw malformed(`unexpected codec id ${idByte}`);
  const na = readNA(r, idByte, n);
  readIntBody(r, id, out, n);
  return na;
}
