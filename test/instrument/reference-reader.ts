/**
 * A second reader of instrument chunks and their engine records, written from docs/instruments.md
 * ("Storage layout", "Chunk format") and docs/instrument-codecs.md alone; it imports nothing from
 * src/. Values: integers as numbers (bigints for 64-bit types), NA as null, bool as 0/1/null,
 * strings as string/null, floats as bit patterns (bigint for float64, number for float32).
 */
import { BitReader, Cursor, PLAIN_INT_IDS, RefMalformed, intStream, need, positions } from './reference-codecs.js';

export { RefMalformed, RefUnspecified } from './reference-codecs.js';

/** A decoded value of any type. */
export type RefValue = number | bigint | string | null;

const INT_BITS: Readonly<Record<string, number>> = {
  int8: 8, int16: 16, int32: 32, int64: 64, time: 64, uint8: 8, uint16: 16, uint32: 32, uint64: 64,
};
const HAS_NA = new Set(['int8', 'int16', 'int32', 'int64', 'time']);
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const MAX_COUNT = 2 ** 24;

/** Writes an exact integer into a type: modulo 2^bits, NA sentinel → null. */
function toType(type: string, v: bigint): RefValue {
  const bits = INT_BITS[type]!;
  const signed = type.startsWith('int') || type === 'time';
  const x = signed ? BigInt.asIntN(bits, v) : BigInt.asUintN(bits, v);
  if (HAS_NA.has(type) && x === -(2n ** BigInt(bits - 1))) return null;
  return bits === 64 ? x : Number(x);
}

/** Raw little-endian cells of `size` bytes. */
function rawInts(c: Cursor, type: string, n: number): RefValue[] {
  const size = INT_BITS[type]! / 8;
  const bytes = c.take(size * n);
  const out: RefValue[] = [];
  for (let i = 0; i < n; i++) {
    let v = 0n;
    for (let j = size - 1; j >= 0; j--) v = (v << 8n) | BigInt(bytes[i * size + j]!);
    out.push(toType(type, v));
  }
  return out;
}

/** The bit pattern of a double. */
function f64Bits(x: number): bigint {
  const dv = new DataView(new ArrayBuffer(8));
  dv.setFloat64(0, x, true);
  return dv.getBigUint64(0, true);
}

/** The bit pattern of a double rounded to float32. */
function f32Bits(x: number): number {
  const dv = new DataView(new ArrayBuffer(4));
  dv.setFloat32(0, x, true);
  return dv.getUint32(0, true);
}

/** Little-endian unsigned integer of `bytes`. */
function leBits(bytes: Uint8Array): bigint {
  let v = 0n;
  for (let j = bytes.length - 1; j >= 0; j--) v = (v << 8n) | BigInt(bytes[j]!);
  return v;
}

/** Bodies of ids 5 (alp) and 11 (alp-float32). */
function alp(c: Cursor, n: number, f32Column: boolean, widen: boolean): RefValue[] {
  const e = Number(c.svarint());
  need(e >= -22 && e <= 22, 'alp exponent');
  const exc = positions(c, n);
  const raw = exc.map(() => leBits(c.take(f32Column ? 4 : 8)));
  const ints = intStream(c, n, PLAIN_INT_IDS, false).values;
  const p = Number(`1e${Math.abs(e)}`);
  const out: RefValue[] = ints.map((k) => {
    const d = e >= 0 ? Number(k) / p : Number(k) * p;
    if (f32Column) return f32Bits(d);
    return widen ? f64Bits(Math.fround(d)) : f64Bits(d);
  });
  exc.forEach((pos, i) => (out[pos] = f32Column ? Number(raw[i]!) : raw[i]!));
  return out;
}

const LEAD = [0, 8, 12, 16, 18, 20, 22, 24];

/** Body of id 6 (xor): runs to the end of the bytes. */
function xor(c: Cursor, n: number, f32: boolean): RefValue[] {
  const bytes = c.take(c.bytes.length - c.pos);
  if (n === 0) {
    need(bytes.length === 0, 'xor body for no values');
    return [];
  }
  const r = new BitReader(bytes);
  let prev = f32 ? r.read(32) << 32n : r.read(64);
  const out: bigint[] = [prev];
  let stored: number | undefined;
  for (let i = 1; i < n; i++) {
    const flag = Number(r.read(2));
    let x = 0n;
    if (flag === 1) {
      const lead = LEAD[Number(r.read(3))]!;
      const m = Number(r.read(6));
      need(m >= 1 && m <= 64 - lead, 'xor centre length');
      x = r.read(m) << BigInt(64 - lead - m);
      stored = undefined;
    } else if (flag === 2) {
      need(stored !== undefined, 'xor flag 2 without a leading count');
      x = r.read(64 - stored);
    } else if (flag === 3) {
      stored = LEAD[Number(r.read(3))]!;
      x = r.read(64 - stored);
    } else stored = undefined;
    prev ^= x;
    need(!f32 || (prev & 0xffffffffn) === 0n, 'xor float32 low bits');
    out.push(prev);
  }
  need(Math.ceil(r.used / 8) === bytes.length, 'xor stream does not end in its last byte');
  return f32 ? out.map((b) => Number(b >> 32n)) : out;
}

/** Decodes a value column of `type` over `count` values (docs: "Value columns per type"). */
export function refDecodeValues(type: string, bytes: Uint8Array, count: number): RefValue[] {
  need(Number.isInteger(count) && count >= 0 && count <= MAX_COUNT, 'count');
  const c = new Cursor(bytes);
  const out = valuesBody(c, type, count);
  need(c.done(), 'trailing bytes');
  return out;
}

/** The value column body after choosing by type. */
function valuesBody(c: Cursor, type: string, n: number): RefValue[] {
  const id = c.bytes[0];
  need(id !== undefined, 'empty stream');
  const plain = id & 0x7f;
  if (type === 'float64' || type === 'float32') {
    const f32 = type === 'float32';
    c.byte();
    if (id === 0) return f32 ? [...Array(n).keys()].map(() => Number(leBits(c.take(4)))) : [...Array(n).keys()].map(() => leBits(c.take(8)));
    if (id === 5) return alp(c, n, f32, false);
    if (id === 6) return xor(c, n, f32);
    need(id === 11 && !f32, `float id ${id}`);
    return alp(c, n, false, true);
  }
  if (type === 'bool') {
    c.byte();
    if (id === 0) return [...c.take(n)].map((b) => (b === 0xff ? null : b));
    need(id === 7, `bool id ${id}`);
    return intStream(c, n, PLAIN_INT_IDS, false).values.map((k) => {
      need(k >= 0n && k <= 2n, 'bool code');
      return k === 2n ? null : Number(k);
    });
  }
  if (type === 'string' || type === 'factor') {
    c.byte();
    need(id === 8, `string id ${id}`);
    return dict(c, n);
  }
  need(INT_BITS[type] !== undefined, `type ${type}`);
  if (id === 0) {
    c.byte();
    return rawInts(c, type, n);
  }
  const ids = new Set(INT_BITS[type] === 64 ? [1, 2, 3, 4, 9, 10] : [1, 2, 3, 9, 10]);
  need(ids.has(plain), `integer id ${plain}`);
  const s = intStream(c, n, ids, HAS_NA.has(type));
  const out = s.values.map((v) => toType(type, v));
  for (const p of s.na) out[p] = null;
  return out;
}

/** Body of id 8 (dict). */
function dict(c: Cursor, n: number): RefValue[] {
  const h = c.uvarint();
  const d = Math.floor(h / 2);
  const entries: string[] = [];
  for (let i = 0; i < d; i++) {
    const len = c.uvarint();
    try {
      entries.push(utf8.decode(c.take(len)));
    } catch (e) {
      if (e instanceof RefMalformed) throw e;
      throw new RefMalformed('dict entry is not UTF-8');
    }
  }
  return intStream(c, n, PLAIN_INT_IDS, false).values.map((k) => {
    need(k >= 0n, 'negative dict code');
    if (k < BigInt(d)) return entries[Number(k)]!;
    need(k === BigInt(d) && h % 2 === 1, 'dict code');
    return null;
  });
}

/** Decodes a times stream (the `time` type's rules); NA times come out as −2^63. */
export function refDecodeTimes(bytes: Uint8Array, count: number): bigint[] {
  return refDecodeValues('time', bytes, count).map((v) => (v === null ? -(2n ** 63n) : (v as bigint)));
}

/** Decodes front-coded keys. */
export function refDecodeKeys(bytes: Uint8Array, count: number): Uint8Array[] {
  need(Number.isInteger(count) && count >= 0 && count <= MAX_COUNT, 'count');
  const c = new Cursor(bytes);
  const out: Uint8Array[] = [];
  let prev = new Uint8Array(0);
  let total = 0;
  for (let i = 0; i < count; i++) {
    const shared = c.uvarint();
    const rest = c.uvarint();
    need(i > 0 || shared === 0, 'first key shares bytes');
    need(shared <= prev.length, 'shared beyond the previous key');
    need(i === 0 || rest >= 1, 'empty rest');
    const tail = c.take(rest);
    need(i === 0 || shared === prev.length || tail[0]! > prev[shared]!, 'keys do not ascend');
    const key = new Uint8Array(shared + rest);
    key.set(prev.subarray(0, shared));
    key.set(tail, shared);
    total += key.length;
    need(total <= 64 * 2 ** 20, 'keys beyond 64 MiB');
    out.push(key);
    prev = key;
  }
  need(c.done(), 'trailing bytes');
  return out;
}

/** The summary of a time series chunk. */
export interface RefSummary {
  readonly n: number;
  readonly stats?: { min: number; max: number; sum: number; first: number; last: number; minAt: bigint; maxAt: bigint; firstAt: bigint; lastAt: bigint };
}

/** A decoded chunk. */
export interface RefChunk {
  readonly keyed: boolean;
  readonly count: number;
  readonly first?: bigint;
  readonly last?: bigint;
  readonly summary?: RefSummary;
  readonly times?: bigint[];
  readonly keys?: Uint8Array[];
  readonly values: RefValue[];
}

/** LEB128 of a zig-zag signed 64-bit integer, at most 10 bytes. */
function zvarint(c: Cursor): bigint {
  let z = 0n;
  for (let i = 0; i < 10; i++) {
    const b = c.byte();
    z |= BigInt(b & 0x7f) << BigInt(7 * i);
    if ((b & 0x80) === 0) {
      need(z < 2n ** 64n, 'zvarint beyond 64 bits');
      return (z >> 1n) ^ -(z & 1n);
    }
  }
  throw new RefMalformed('zvarint longer than 10 bytes');
}

/** Unsigned LEB128 of a 64-bit value, at most 10 bytes. */
function u64varint(c: Cursor): bigint {
  let z = 0n;
  for (let i = 0; i < 10; i++) {
    const b = c.byte();
    z |= BigInt(b & 0x7f) << BigInt(7 * i);
    if ((b & 0x80) === 0) {
      need(z < 2n ** 64n, 'u64varint beyond 64 bits');
      return z;
    }
  }
  throw new RefMalformed('u64varint longer than 10 bytes');
}

/** Decodes one chunk of an instrument of `type` (docs/instruments.md "Chunk format"). */
export function refDecodeChunk(type: string, bytes: Uint8Array): RefChunk {
  const c = new Cursor(bytes);
  need(c.byte() === 0x4b && c.byte() === 0x49, 'magic');
  need(c.byte() === 1, 'version');
  const flags = c.byte();
  need((flags & ~3) === 0, 'flags');
  const keyed = (flags & 1) === 1;
  const count = c.uvarint();
  need(count >= 1 && count <= MAX_COUNT, 'count');
  let first: bigint | undefined;
  let last: bigint | undefined;
  if (!keyed) {
    first = zvarint(c);
    last = first + u64varint(c);
    need(last < 2n ** 63n, 'last time beyond int64');
  }
  let summary: RefSummary | undefined;
  if (flags & 2) {
    need(first !== undefined, 'summary in a keyed chunk');
    const n = c.uvarint();
    need(n <= count, 'summary count');
    if (n === 0) summary = { n };
    else {
      const dv = new DataView(c.take(40).slice().buffer);
      const f = (i: number): number => dv.getFloat64(i * 8, true);
      const t0 = first;
      const at = (): bigint => t0 + u64varint(c);
      summary = { n, stats: { min: f(0), max: f(1), sum: f(2), first: f(3), last: f(4), minAt: at(), maxAt: at(), firstAt: at(), lastAt: at() } };
    }
  }
  const index = c.take(c.uvarint());
  const valueBytes = c.take(c.uvarint());
  need(c.done(), 'trailing bytes');
  const values = refDecodeValues(type, valueBytes, count);
  if (keyed) return { keyed, count, keys: refDecodeKeys(index, count), values };
  const times = refDecodeTimes(index, count);
  need(times[0] === first && times[count - 1] === last, 'times differ from the header');
  return { keyed, count, first, last, ...(summary ? { summary } : {}), times, values };
}

/** The head record: version, points, chunks, chunk bytes. */
export function refDecodeHead(bytes: Uint8Array): { version: bigint; points: bigint; chunks: bigint; bytes: bigint } {
  need(bytes.length === 32, 'head length');
  const q = (i: number): bigint => leBits(bytes.subarray(i * 8, i * 8 + 8));
  return { version: q(0), points: q(1), chunks: q(2), bytes: q(3) };
}

/** The first time a time series chunk key names (`02` + int64 sign-flipped, big-endian). */
export function refChunkKeyTime(key: Uint8Array): bigint {
  need(key.length === 9 && key[0] === 2, 'chunk key');
  let v = 0n;
  for (let i = 1; i < 9; i++) v = (v << 8n) | BigInt(key[i]!);
  return BigInt.asIntN(64, v ^ (1n << 63n));
}

/** The first key a keyed chunk key names (`02` + key bytes). */
export function refChunkKeyKey(key: Uint8Array): Uint8Array {
  need(key.length >= 2 && key[0] === 2, 'chunk key');
  return key.subarray(1);
}

const NA_CELL: Readonly<Record<string, number | bigint>> = { int8: -128, int16: -32768, int32: -(2 ** 31), int64: -(2n ** 63n), time: -(2n ** 63n), bool: 255 };

/** A column as typed arrays hold it (keepr's in-memory form) in this reader's form, to compare. */
export function fromTypedColumn(type: string, values: unknown): RefValue[] {
  const view = values as ArrayBufferView;
  const bytes = (): ArrayBuffer => new Uint8Array(view.buffer, view.byteOffset, view.byteLength).slice().buffer;
  if (type === 'float64') return [...new BigUint64Array(bytes())];
  if (type === 'float32') return [...new Uint32Array(bytes())];
  if (type === 'string' || type === 'factor') return [...(values as (string | null)[])];
  const na = NA_CELL[type];
  return Array.from(values as ArrayLike<number | bigint>, (v): RefValue => (v === na ? null : v));
}
