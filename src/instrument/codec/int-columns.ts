/**
 * Integer columns (int8…int64, uint8…uint64, time) and times: NA sentinels become an NA
 * position list, the rest goes through the integer stream on doubles; 64-bit values beyond
 * 2^53 take the BigInt frame-of-reference path (`for-bitpack-64`); raw when nothing is smaller.
 */
import { NA_INT16, NA_INT32, NA_INT8 } from '../../block/cell-type.js';
import { KeeprError } from '../../errors.js';
import { BitReader, BitWriter, packedSize } from './bit-pack.js';
import { ByteReader, ByteWriter, TWO32, checkCount, malformed, writePositions } from './byte-io.js';
import { FLAG_NA, ID, fillGaps, fitsIntStream, isIntId, readIntBody, readNA, writeIntStream } from './int-stream.js';

/** The integer column types. */
export type IntType = 'int8' | 'int16' | 'int32' | 'int64' | 'uint8' | 'uint16' | 'uint32' | 'uint64' | 'time';

/** The typed array of each integer type. */
export type IntArray = Int8Array | Int16Array | Int32Array | Uint8Array | Uint16Array | Uint32Array | BigInt64Array | BigUint64Array;

type Ctor = new (n: number) => IntArray;

interface IntInfo {
  readonly array: Ctor & { readonly BYTES_PER_ELEMENT: number; readonly name: string };
  /** NA sentinel of 8- to 32-bit types (null: none, or a 64-bit type). */
  readonly na: number | null;
  readonly wide: boolean;
  readonly signed: boolean;
}

const INFO: Record<IntType, IntInfo> = {
  int8: { array: Int8Array, na: NA_INT8, wide: false, signed: true },
  int16: { array: Int16Array, na: NA_INT16, wide: false, signed: true },
  int32: { array: Int32Array, na: NA_INT32, wide: false, signed: true },
  uint8: { array: Uint8Array, na: null, wide: false, signed: false },
  uint16: { array: Uint16Array, na: null, wide: false, signed: false },
  uint32: { array: Uint32Array, na: null, wide: false, signed: false },
  int64: { array: BigInt64Array, na: null, wide: true, signed: true },
  time: { array: BigInt64Array, na: null, wide: true, signed: true },
  uint64: { array: BigUint64Array, na: null, wide: true, signed: false },
};

const INV_TWO32 = 1 / TWO32;

/** The NA of int64 and time as its high word (the low word is 0). */
const NA64_HI = -0x80000000;

let f64 = new Float64Array(1024);

/** A reusable double scratch of at least n entries. */
export function doubles(n: number): Float64Array {
  if (f64.length < n) f64 = new Float64Array(Math.max(n, f64.length * 2));
  return f64;
}

function hasNA(type: IntType): boolean {
  return INFO[type].signed;
}

/** Encodes an integer column (or times); ARGUMENT_INVALID when `values` is not the type's array. */
export function encodeIntColumn(type: IntType, values: IntArray): Uint8Array {
  const info = INFO[type];
  if (!(values instanceof info.array)) {
    throw new KeeprError('ARGUMENT_INVALID', `${type} values must be a ${info.array.name}`, { details: { type } });
  }
  const n = values.length;
  const v = doubles(n);
  const na: number[] = [];
  let safe = true;
  if (info.wide) {
    const lo = new Uint32Array(values.buffer, values.byteOffset, n * 2);
    const hi = info.signed ? new Int32Array(values.buffer, values.byteOffset, n * 2) : lo;
    for (let i = 0; i < n; i++) {
      const h = hi[2 * i + 1]!;
      const l = lo[2 * i]!;
      if (info.signed && h === NA64_HI && l === 0) na.push(i);
      // |v| ≤ 2^53 − 1: high word in [−2^21, 2^21), and not −2^53 itself.
      else if (h >= -0x200000 && h < 0x200000 && (h !== -0x200000 || l !== 0)) v[i] = h * TWO32 + l;
      else {
        safe = false;
        break;
      }
    }
  } else {
    const sentinel = info.na;
    for (let i = 0; i < n; i++) {
      const x = values[i] as number;
      if (x === sentinel) na.push(i);
      v[i] = x;
    }
  }
  const w = new ByteWriter();
  if (safe) {
    fillGaps(v, n, na);
    safe = fitsIntStream(v, n);
  }
  if (safe) writeIntStream(w, v, n, na);
  else writeFor64(w, values as BigInt64Array | BigUint64Array, na);
  const rawSize = 1 + n * info.array.BYTES_PER_ELEMENT;
  if (w.pos <= rawSize) return w.finish();
  const raw = new ByteWriter();
  raw.byte(ID.raw);
  raw.bytes(new Uint8Array(values.buffer, values.byteOffset, values.byteLength));
  return raw.finish();
}

/** BigInt frame of reference: min as a signed varint, width (≤ 64), then v − min packed. */
function writeFor64(w: ByteWriter, values: BigInt64Array | BigUint64Array, na: readonly number[]): void {
  const n = values.length;
  const isNA = new Set(na);
  let min: bigint | undefined;
  let max: bigint | undefined;
  for (let i = 0; i < n; i++) {
    if (isNA.has(i)) continue;
    const x = values[i]!;
    if (min === undefined || x < min) min = x;
    if (max === undefined || x > max) max = x;
  }
  min ??= 0n;
  max ??= 0n;
  const range = max - min;
  const width = range === 0n ? 0 : range.toString(2).length;
  w.byte(ID.for64 | (na.length > 0 ? FLAG_NA : 0));
  if (na.length > 0) writePositions(w, na);
  w.svarintBig(min);
  w.byte(width);
  const bw = new BitWriter(n * width);
  for (let i = 0; i < n; i++) {
    const u = isNA.has(i) ? 0n : values[i]! - min;
    bw.bits(Number(u & 0xffffffffn), Math.min(width, 32));
    if (width > 32) bw.bits(Number(u >> 32n), width - 32);
  }
  bw.flush(w);
}

/** Decodes an integer column (or times) of `count` values; CHUNK_MALFORMED on bad bytes. */
export function decodeIntColumn(type: IntType, bytes: Uint8Array, count: number): IntArray {
  if (!(bytes instanceof Uint8Array)) throw new KeeprError('ARGUMENT_INVALID', 'encoded bytes must be a Uint8Array');
  checkCount(count);
  const info = INFO[type];
  const r = new ByteReader(bytes);
  const idByte = r.byte();
  const id = idByte & ~FLAG_NA;
  if (idByte === ID.raw) {
    const size = count * info.array.BYTES_PER_ELEMENT;
    if (r.left !== size) throw malformed('raw length does not match the count');
    const out = new info.array(count);
    new Uint8Array(out.buffer).set(r.view(size));
    return out;
  }
  if (idByte & FLAG_NA && !hasNA(type)) throw malformed(`${type} has no NA`);
  if (id === ID.for64) {
    if (!info.wide) throw malformed(`for-bitpack-64 is only for 64-bit types`);
    const out = readFor64(r, idByte, count, info.signed);
    r.end();
    return out;
  }
  if (!isIntId(id)) throw malformed(`codec id ${idByte} is not an integer codec`);
  const na = readNA(r, idByte, count);
  const v = doubles(count);
  readIntBody(r, id, v, count);
  r.end();
  const out = new info.array(count);
  if (info.wide) {
    const words = new Int32Array(out.buffer);
    for (let i = 0, j = 0; i < count; i++, j += 2) {
      const x = v[i]!;
      const lo = x >>> 0;
      words[j] = lo;
      // x − lo is an exact multiple of 2^32 (also for negative x): the high word.
      words[j + 1] = (x - lo) * INV_TWO32;
    }
    if (na !== null) for (const p of na) {
      words[2 * p] = 0;
      words[2 * p + 1] = NA64_HI;
    }
  } else {
    const o = out as Int32Array;
    for (let i = 0; i < count; i++) o[i] = v[i]!;
    if (na !== null) for (const p of na) o[p] = info.na!;
  }
  return out;
}

function readFor64(r: ByteReader, idByte: number, count: number, signed: boolean): BigInt64Array | BigUint64Array {
  const na = readNA(r, idByte, count);
  const min = r.svarintBig();
  const width = r.byte();
  if (width > 64) throw malformed('bit width above 64');
  const size = packedSize(count, width);
  if (size > r.left) throw malformed('unexpected end');
  const out = signed ? new BigInt64Array(count) : new BigUint64Array(count);
  const br = new BitReader(r, size);
  for (let i = 0; i < count; i++) {
    const lo = br.bits(Math.min(width, 32)) >>> 0;
    const hi = width > 32 ? br.bits(width - 32) >>> 0 : 0;
    out[i] = min + ((BigInt(hi) << 32n) | BigInt(lo));
  }
  if (na !== null) for (const p of na) out[p] = signed ? -(2n ** 63n) : 0n;
  return out;
}
