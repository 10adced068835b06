/**
 * ALP-style decimal floats: one signed exponent e per call such that v = n / 10^e (e ≥ 0) or
 * v = n · 10^−e (e < 0) for an integer n, bit for bit; the integers go through the integer
 * stream (FOR, delta or runs). Values that do not round-trip (NaN payloads, NA, −0, ±Inf,
 * full-precision noise) are exceptions: positions plus their raw bits.
 */
import { ByteReader, ByteWriter, bitsFor, malformed, readPositions, writePositions } from './byte-io.js';
import { fillGaps, readIntStream, writeIntStream } from './int-stream.js';

/** Exact powers of ten 10^0 … 10^22. */
const P10 = Array.from({ length: 23 }, (_, i) => Number(`1e${i}`));
/** Exponents the encoder tries. */
const MIN_E = -10;
const MAX_E = 18;
/** Largest |n| the encoder accepts, so any two differ by less than 2^53. */
const MAX_INT = 2 ** 52;
/** Values sampled to choose the exponent. */
const SAMPLE = 64;

/** The decoded value of integer `n` at exponent `e`, as the decoder computes it. */
function scale(n: number, e: number): number {
  return e >= 0 ? n / P10[e]! : n * P10[-e]!;
}

/** n for x at e, or NaN when x does not round-trip (−0 never does: integers have no sign of zero). */
function toInt(x: number, e: number, f32: boolean): number {
  const n = Math.round(e >= 0 ? x * P10[e]! : x / P10[-e]!);
  if (!(Math.abs(n) <= MAX_INT)) return NaN;
  const d = f32 ? Math.fround(scale(n, e)) : scale(n, e);
  return d === x && (x !== 0 || 1 / x > 0) ? n : NaN;
}

/** The smallest exponent at which x round-trips (negative for trailing zeros), or NaN. */
function exponentOf(x: number, f32: boolean): number {
  for (let e = 0; e <= MAX_E; e++) {
    if (!Number.isNaN(toInt(x, e, f32))) {
      if (e > 0) return e;
      let k = 0;
      while (k > MIN_E && !Number.isNaN(toInt(x, k - 1, f32))) k--;
      return k;
    }
  }
  return NaN;
}

/**
 * Exponents to try, best first: the one with the smallest estimated size on a sample, then
 * the one with the fewest sample misses (the estimate assumes FOR, so a wider exponent with
 * fewer exceptions can win once deltas or runs shrink the integers).
 */
export function chooseExponents(values: Float32Array | Float64Array, f32: boolean): number[] {
  const n = values.length;
  const step = Math.max(1, Math.floor(n / SAMPLE));
  const sample: number[] = [];
  for (let i = 0; i < n && sample.length < SAMPLE; i += step) sample.push(values[i]!);
  const candidates = new Set<number>();
  for (const x of sample) {
    const e = exponentOf(x, f32);
    if (!Number.isNaN(e)) candidates.add(e);
  }
  const exceptionBits = f32 ? 40 : 72;
  let best = NaN;
  let bestCost = Infinity;
  let fewest = NaN;
  let fewestMisses = Infinity;
  for (const e of [...candidates].sort((a, b) => a - b)) {
    let min = Infinity;
    let max = -Infinity;
    let misses = 0;
    for (const x of sample) {
      const m = toInt(x, e, f32);
      if (Number.isNaN(m)) misses++;
      else {
        if (m < min) min = m;
        if (m > max) max = m;
      }
    }
    const cost = (sample.length - misses) * (min <= max ? bitsFor(max - min) : 0) + misses * exceptionBits;
    if (cost < bestCost) {
      bestCost = cost;
      best = e;
    }
    if (misses < fewestMisses) {
      fewestMisses = misses;
      fewest = e;
    }
  }
  if (Number.isNaN(best)) return [];
  return fewest === best ? [best] : [best, fewest];
}

let ints = new Float64Array(1024);
/** Exception positions of the last successful {@link writeAlp}. */
let lastExceptions: readonly number[] = [];

/** The widest exponent that some of the last call's exceptions need (NaN when none fits any). */
export function exceptionExponent(values: Float32Array | Float64Array, f32: boolean): number {
  let widest = NaN;
  for (let k = 0; k < lastExceptions.length && k < 32; k++) {
    const e = exponentOf(values[lastExceptions[k]!]!, f32);
    if (!Number.isNaN(e) && !(e <= widest)) widest = e;
  }
  return widest;
}

/** How many exceptions the last successful {@link writeAlp} had. */
export function exceptionCount(): number {
  return lastExceptions.length;
}

/**
 * Writes [alp id][e][exceptions][raw bits][integer stream]; false (nothing written) when no
 * exponent fits or more than half the values would be exceptions. `f32`: decoded values are
 * rounded to float32 (float32 columns, and float64 columns of widened float32 values).
 */
export function writeAlp(w: ByteWriter, id: number, values: Float32Array | Float64Array, f32: boolean, e: number): boolean {
  const n = values.length;
  if (ints.length < n) ints = new Float64Array(Math.max(n, ints.length * 2));
  const v = ints;
  const exceptions: number[] = [];
  const limit = n / 2;
  const mul = e >= 0 ? P10[e]! : 1 / P10[-e]!;
  const div = e >= 0 ? P10[e]! : 1;
  const times = e >= 0 ? 1 : P10[-e]!;
  for (let i = 0; i < n; i++) {
    const x = values[i]!;
    // Inline of toInt: multiply, round, and check the decoder's exact expression.
    const m = Math.round(e >= 0 ? x * mul : x / times);
    let d = e >= 0 ? m / div : m * times;
    if (f32) d = Math.fround(d);
    if (d === x && (x !== 0 || 1 / x > 0) && Math.abs(m) <= MAX_INT) v[i] = m;
    else {
      exceptions.push(i);
      if (exceptions.length > limit) return false;
    }
  }
  lastExceptions = exceptions;
  fillGaps(v, n, exceptions);
  w.byte(id);
  w.svarint(e);
  writePositions(w, exceptions);
  const bytes = new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
  const size = values.BYTES_PER_ELEMENT;
  for (const p of exceptions) w.bytes(bytes.subarray(p * size, p * size + size));
  writeIntStream(w, v, n);
  return true;
}

let ints32 = new Float64Array(1024);

/** Reads what {@link writeAlp} wrote after its id byte into a float32 (`column32`) or float64 column. */
export function readAlp(r: ByteReader, count: number, column32: boolean, f32: boolean): Float32Array | Float64Array {
  const e = r.svarint();
  if (e < -22 || e > 22) throw malformed('ALP exponent out of range');
  const exceptions = readPositions(r, count);
  const size = column32 ? 4 : 8;
  const raw = r.view(exceptions.length * size);
  if (column32) {
    if (ints32.length < count) ints32 = new Float64Array(Math.max(count, ints32.length * 2));
    readIntStream(r, ints32, count, false);
    r.end();
    const out = new Float32Array(count);
    const src = ints32;
    if (e >= 0) {
      const div = P10[e]!;
      for (let i = 0; i < count; i++) out[i] = src[i]! / div;
    } else {
      const mul = P10[-e]!;
      for (let i = 0; i < count; i++) out[i] = src[i]! * mul;
    }
    patch(out, exceptions, raw, 1);
    return out;
  }
  const out = new Float64Array(count);
  readIntStream(r, out, count, false);
  r.end();
  if (f32) {
    for (let i = 0; i < count; i++) out[i] = Math.fround(scale(out[i]!, e));
  } else if (e > 0) {
    const div = P10[e]!;
    for (let i = 0; i < count; i++) out[i] = out[i]! / div;
  } else if (e < 0) {
    const mul = P10[-e]!;
    for (let i = 0; i < count; i++) out[i] = out[i]! * mul;
  }
  patch(out, exceptions, raw, 2);
  return out;
}

/** Writes each exception's raw little-endian bits over its position. */
function patch(out: Float32Array | Float64Array, positions: readonly number[], raw: Uint8Array, words: number): void {
  if (positions.length === 0) return;
  const u32 = new Uint32Array(out.buffer, out.byteOffset, out.length * words);
  let at = 0;
  for (const p of positions) {
    for (let k = 0; k < words; k++) {
      u32[p * words + k] = raw[at]! | (raw[at + 1]! << 8) | (raw[at + 2]! << 16) | (raw[at + 3]! << 24);
      at += 4;
    }
  }
}
