/**
 * The two index kinds behind one set of operations: times (int64 µs in a BigInt64Array) and keys
 * (byte strings, ordered bytewise). The chunk machinery is written once against {@link IndexOps}.
 */
import { KeeprError } from '../errors.js';
import { checkedKeyBytes } from '../keepr/keys.js';
import { compareBytes } from '../util/bytes.js';
import type { InstrumentKey, TimeInput, TimesInput } from './instrument-types.js';

/** Engine key prefix of chunks; the byte after it starts the chunk's first index entry. */
export const CHUNK_PREFIX = 0x02;

/** An index column (times or keys) and its element type. */
export interface IndexOps<A extends BigInt64Array | Uint8Array[], E extends bigint | Uint8Array> {
  readonly kind: 'time' | 'key';
  at(a: A, i: number): E;
  compare(x: E, y: E): number;
  slice(a: A, start: number, end: number): A;
  /** Entries [start, end) without copying where possible (read-only use). */
  view(a: A, start: number, end: number): A;
  concat(parts: readonly A[]): A;
  pick(a: A, indexes: ArrayLike<number>): A;
  /** The engine key of a chunk whose first entry is `e`. */
  chunkKey(e: E): Uint8Array;
  /** The first entry of a chunk from its engine key. */
  fromChunkKey(key: Uint8Array): E;
}

const SIGN = 1n << 63n;

/** Times: engine keys are the prefix then 8 bytes big-endian of the time with its sign bit flipped. */
export const TIME_INDEX: IndexOps<BigInt64Array, bigint> = {
  kind: 'time',
  at: (a, i) => a[i]!,
  compare: (x, y) => (x < y ? -1 : x > y ? 1 : 0),
  slice: (a, s, e) => a.slice(s, e),
  view: (a, s, e) => a.subarray(s, e),
  concat: (parts) => {
    if (parts.length === 1) return parts[0]!;
    const out = new BigInt64Array(parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const p of parts) {
      out.set(p, at);
      at += p.length;
    }
    return out;
  },
  pick: (a, idx) => BigInt64Array.from({ length: idx.length }, (_, i) => a[idx[i]!]!),
  chunkKey: (t) => {
    const key = new Uint8Array(9);
    key[0] = CHUNK_PREFIX;
    new DataView(key.buffer).setBigUint64(1, BigInt.asUintN(64, t) ^ SIGN, false);
    return key;
  },
  fromChunkKey: (key) => {
    if (key.length !== 9 || key[0] !== CHUNK_PREFIX) throw new KeeprError('INSTRUMENT_CORRUPT', 'a chunk key is not 9 bytes');
    return BigInt.asIntN(64, new DataView(key.buffer, key.byteOffset, 9).getBigUint64(1, false) ^ SIGN);
  },
};

/** Keys: engine keys are the prefix then the key's bytes. */
export const KEY_INDEX: IndexOps<Uint8Array[], Uint8Array> = {
  kind: 'key',
  at: (a, i) => a[i]!,
  compare: compareBytes,
  slice: (a, s, e) => a.slice(s, e),
  view: (a, s, e) => a.slice(s, e),
  concat: (parts) => (parts.length === 1 ? parts[0]! : parts.flat()),
  pick: (a, idx) => Array.from({ length: idx.length }, (_, i) => a[idx[i]!]!),
  chunkKey: (k) => {
    const key = new Uint8Array(k.length + 1);
    key[0] = CHUNK_PREFIX;
    key.set(k, 1);
    return key;
  },
  fromChunkKey: (key) => key.slice(1),
};

function invalid(message: string, details: Record<string, unknown> = {}): KeeprError {
  return new KeeprError('INSTRUMENT_VALUES_INVALID', message, { details });
}

const MIN_TIME = -SIGN + 1n;
const MAX_TIME = SIGN - 1n;

/** One time on input (bigint µs or Date) as µs; `what` names it in errors. */
export function timeIn(t: unknown, what = 'time', code: 'INSTRUMENT_VALUES_INVALID' | 'ARGUMENT_INVALID' = 'INSTRUMENT_VALUES_INVALID'): bigint {
  let us: bigint | undefined;
  if (typeof t === 'bigint') us = t;
  else if (t instanceof Date && !Number.isNaN(t.getTime())) us = BigInt(t.getTime()) * 1000n;
  if (us === undefined || us < MIN_TIME || us > MAX_TIME) {
    throw new KeeprError(code, `${what} must be a bigint of µs since the epoch (int64, not NA) or a valid Date`, { details: { [what]: String(t) } });
  }
  return us;
}

/** Times given for a write, copied and checked (no NA). */
export function timesIn(input: TimesInput): BigInt64Array {
  if (input instanceof BigInt64Array) {
    const copy = input.slice();
    // NA is the word pair (lo 0, hi 0x80000000); checked on 32-bit words, no BigInt per element.
    const words = new Int32Array(copy.buffer, 0, 2 * copy.length);
    for (let i = 0; i < copy.length; i++) if (words[2 * i + 1] === -0x80000000 && words[2 * i] === 0) throw invalid(`time ${i} is NA`, { index: i });
    return copy;
  }
  if (!Array.isArray(input)) throw invalid('times must be a BigInt64Array or an array of bigint µs or Dates');
  return BigInt64Array.from(input as readonly TimeInput[], (t, i) => timeIn(t, `times[${i}]`));
}

/** Keys given for a write, as bytes (each checked like a block key). */
export function keysIn(input: readonly InstrumentKey[]): Uint8Array[] {
  if (!Array.isArray(input)) throw invalid('keys must be an array of strings or Uint8Arrays');
  return input.map((k: unknown) => checkedKeyBytes(k));
}

/**
 * The positions that put an index column in ascending order without duplicates, the last of
 * equal entries winning; undefined when it already is (the fast path for in-order appends).
 */
export function sortOrder<A extends BigInt64Array | Uint8Array[], E extends bigint | Uint8Array>(ops: IndexOps<A, E>, index: A): number[] | undefined {
  let sorted = index instanceof BigInt64Array ? timesAscending(index) : true;
  for (let i = 1; sorted && !(index instanceof BigInt64Array) && i < index.length; i++) {
    if (ops.compare(ops.at(index, i - 1), ops.at(index, i)) >= 0) {
      sorted = false;
      break;
    }
  }
  if (sorted) return undefined;
  const order = Array.from({ length: index.length }, (_, i) => i);
  // Stable sort; for equal entries the later position comes last, so keep the last of each run.
  order.sort((a, b) => ops.compare(ops.at(index, a), ops.at(index, b)) || a - b);
  const out: number[] = [];
  for (let i = 0; i < order.length; i++) {
    const next = order[i + 1];
    if (next !== undefined && ops.compare(ops.at(index, order[i]!), ops.at(index, next)) === 0) continue;
    out.push(order[i]!);
  }
  return out;
}

/** Whether times strictly ascend, compared on 32-bit words (high signed, low unsigned). */
function timesAscending(times: BigInt64Array): boolean {
  if (times.byteOffset % 4 !== 0) {
    for (let i = 1; i < times.length; i++) if (times[i - 1]! >= times[i]!) return false;
    return true;
  }
  const w = new Int32Array(times.buffer, times.byteOffset, 2 * times.length);
  for (let i = 1; i < times.length; i++) {
    const hiA = w[2 * i - 1]!;
    const hiB = w[2 * i + 1]!;
    if (hiA > hiB || (hiA === hiB && w[2 * i - 2]! >>> 0 >= w[2 * i]! >>> 0)) return false;
  }
  return true;
}

/** First position in `index` (ascending) whose entry is ≥ e (or > e when `after`). */
export function lowerBound<A extends BigInt64Array | Uint8Array[], E extends bigint | Uint8Array>(ops: IndexOps<A, E>, index: A, e: E, after = false, from = 0): number {
  let lo = from;
  let hi = index.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const c = ops.compare(ops.at(index, mid), e);
    if (c < 0 || (after && c === 0)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Times as doubles without a BigInt per element (read through 32-bit words of the buffer):
 * exact while |t| < 2^53 µs, the case for every real date.
 */
export function timesAsNumbers(times: BigInt64Array): Float64Array {
  const n = times.length;
  const out = new Float64Array(n);
  if (times.byteOffset % 4 !== 0) {
    for (let i = 0; i < n; i++) out[i] = Number(times[i]!);
    return out;
  }
  const words = new Int32Array(times.buffer, times.byteOffset, 2 * n);
  for (let i = 0; i < n; i++) out[i] = words[2 * i + 1]! * 4294967296 + (words[2 * i]! >>> 0);
  return out;
}
