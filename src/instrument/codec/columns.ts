/**
 * Per-type dispatch of value columns: floats choose between ALP, XOR and raw per call, bools
 * go through the integer stream as codes 0, 1, 2 (= NA), strings and factors by dictionary,
 * the rest as integer columns.
 */
import type { InstrumentType, InstrumentValuesMap } from '../instrument-types.js';
import { KeeprError } from '../../errors.js';
import { ByteReader, ByteWriter, MAX_COUNT, checkCount, malformed } from './byte-io.js';
import { decodeDict, encodeDict } from './dict.js';
import { chooseExponents, exceptionCount, exceptionExponent, readAlp, writeAlp } from './float-alp.js';
import { readXor, writeXor } from './float-xor.js';
import { decodeIntColumn, doubles, encodeIntColumn, type IntArray, type IntType } from './int-columns.js';
import { CODEC_NAMES, FLAG_NA, ID, readIntStream, takesNA, writeIntStream } from './int-stream.js';

/** Bits per value of an ALP result below which XOR is not tried (it rarely wins there). */
const ALP_GOOD_BITS = 24;

/** Refuses columns longer than decoders accept (2^24 values). */
export function checkLength(values: unknown): void {
  const n = (values as { length?: unknown } | null)?.length;
  if (typeof n === 'number' && n > MAX_COUNT) throw new KeeprError('ARGUMENT_INVALID', `at most ${MAX_COUNT} values per call`, { details: { length: n } });
}

function invalid(type: string, what: string): KeeprError {
  return new KeeprError('ARGUMENT_INVALID', `${type} values must be a ${what}`, { details: { type } });
}

function rawBytes(values: ArrayBufferView): Uint8Array {
  const w = new ByteWriter();
  w.byte(ID.raw);
  w.bytes(new Uint8Array(values.buffer, values.byteOffset, values.byteLength));
  return w.finish();
}

/**
 * ALP at the best exponent; when that leaves exceptions, also at the one with the fewest sample
 * misses and at the widest exponent the exceptions need; the smallest result wins.
 */
function alp(values: Float32Array | Float64Array, id: number, f32: boolean): Uint8Array | undefined {
  const exponents = chooseExponents(values, f32);
  let best: Uint8Array | undefined;
  const tried = new Set<number>();
  const attempt = (e: number): void => {
    if (tried.has(e)) return;
    tried.add(e);
    const w = new ByteWriter();
    if (writeAlp(w, id, values, f32, e) && (best === undefined || w.pos < best.length)) best = w.finish();
  };
  const first = exponents[0];
  if (first === undefined) return undefined;
  attempt(first);
  if (best !== undefined && exceptionCount() === 0) return best;
  const widest = exceptionExponent(values, f32);
  for (const e of exponents) attempt(e);
  if (!Number.isNaN(widest) && widest > first) attempt(widest);
  return best;
}

/** Whether the first values of a float64 column are all float32 values widened. */
function looksFloat32(values: Float64Array): boolean {
  let seen = 0;
  for (let i = 0; i < values.length && seen < 32; i++) {
    const x = values[i]!;
    if (x !== x) continue;
    if (Math.fround(x) !== x) return false;
    seen++;
  }
  return seen > 0;
}

/** The smallest of ALP, ALP on float32 values in a float64 column, XOR and raw (ties in that order). */
function encodeFloats(values: Float32Array | Float64Array, f32: boolean): Uint8Array {
  const n = values.length;
  const rawSize = 1 + values.byteLength;
  let best: Uint8Array | undefined;
  if (n > 0) best = alp(values, ID.alp, f32);
  if (n > 0 && !f32 && (best === undefined || best.length * 8 > n * ALP_GOOD_BITS) && looksFloat32(values as Float64Array)) {
    const b = alp(values, ID.alp32, true);
    if (b !== undefined && (best === undefined || b.length < best.length)) best = b;
  }
  if (n > 0 && (best === undefined || best.length * 8 > n * ALP_GOOD_BITS)) {
    const w = new ByteWriter();
    writeXor(w, ID.xor, values, f32);
    if (best === undefined || w.pos < best.length) best = w.finish();
  }
  return best !== undefined && best.length <= rawSize ? best : rawBytes(values);
}

function encodeBool(values: Uint8Array): Uint8Array {
  const n = values.length;
  const v = doubles(n);
  for (let i = 0; i < n; i++) {
    const b = values[i]!;
    if (b > 1 && b !== 0xff) return rawBytes(values);
    v[i] = b === 0xff ? 2 : b;
  }
  const w = new ByteWriter();
  w.byte(ID.bool);
  writeIntStream(w, v, n);
  return w.pos <= 1 + n ? w.finish() : rawBytes(values);
}

function decodeBool(r: ByteReader, count: number): Uint8Array {
  const v = doubles(count);
  readIntStream(r, v, count, false);
  r.end();
  const out = new Uint8Array(count);
  for (let i = 0; i < count; i++) {
    const c = v[i]!;
    if (c === 0 || c === 1) out[i] = c;
    else if (c === 2) out[i] = 0xff;
    else throw malformed('bool code out of range');
  }
  return out;
}

function decodeRaw(r: ByteReader, count: number, size: number): Uint8Array {
  if (r.left !== count * size) throw malformed('raw length does not match the count');
  return new Uint8Array(r.view(count * size)); // a copy on its own buffer, also for Buffer views of a pool
}

/** Encodes one column of `type`. */
export function encodeColumn(type: InstrumentType, values: unknown): Uint8Array {
  checkLength(values);
  switch (type) {
    case 'float64':
      if (!(values instanceof Float64Array)) throw invalid(type, 'Float64Array');
      return encodeFloats(values, false);
    case 'float32':
      if (!(values instanceof Float32Array)) throw invalid(type, 'Float32Array');
      return encodeFloats(values, true);
    case 'bool':
      if (!(values instanceof Uint8Array)) throw invalid(type, 'Uint8Array');
      return encodeBool(values);
    case 'string':
    case 'factor':
      return encodeDict(values as (string | null)[]);
    case 'int8':
    case 'int16':
    case 'int32':
    case 'int64':
    case 'uint8':
    case 'uint16':
    case 'uint32':
    case 'uint64':
    case 'time':
      return encodeIntColumn(type, values as IntArray);
    default:
      throw new KeeprError('ARGUMENT_INVALID', `unknown instrument type ${JSON.stringify(type)}`, { details: { type: String(type) } });
  }
}

/** Decodes one column of `type` holding `count` values. */
export function decodeColumn<T extends InstrumentType>(type: T, bytes: Uint8Array, count: number): InstrumentValuesMap[T] {
  return decodeAny(type, bytes, count) as InstrumentValuesMap[T];
}

function decodeAny(type: InstrumentType, bytes: unknown, count: number): InstrumentValuesMap[InstrumentType] {
  if (!(bytes instanceof Uint8Array)) throw new KeeprError('ARGUMENT_INVALID', 'encoded bytes must be a Uint8Array');
  checkCount(count);
  switch (type) {
    case 'float64':
    case 'float32': {
      const f32 = type === 'float32';
      const r = new ByteReader(bytes);
      const id = r.byte();
      if (id === ID.raw) {
        const raw = decodeRaw(r, count, f32 ? 4 : 8);
        return f32 ? new Float32Array(raw.buffer) : new Float64Array(raw.buffer);
      }
      if (id === ID.alp) return readAlp(r, count, f32, f32);
      if (id === ID.alp32 && !f32) return readAlp(r, count, false, true);
      if (id === ID.xor) return readXor(r, count, f32);
      throw malformed(`codec id ${id} is not a float codec`);
    }
    case 'bool': {
      const r = new ByteReader(bytes);
      const id = r.byte();
      if (id === ID.raw) return decodeRaw(r, count, 1);
      if (id === ID.bool) return decodeBool(r, count);
      throw malformed(`codec id ${id} is not a bool codec`);
    }
    case 'string':
    case 'factor':
      return decodeDict(bytes, count);
    case 'int8':
    case 'int16':
    case 'int32':
    case 'int64':
    case 'uint8':
    case 'uint16':
    case 'uint32':
    case 'uint64':
    case 'time':
      return decodeIntColumn(type satisfies IntType, bytes, count) as InstrumentValuesMap[InstrumentType];
    default:
      throw new KeeprError('ARGUMENT_INVALID', `unknown instrument type ${JSON.stringify(type)}`, { details: { type: String(type) } });
  }
}

/** The name of the codec whose id starts `bytes`. */
export function codecName(bytes: Uint8Array): string {
  const first = bytes[0];
  if (first === undefined) throw malformed('empty stream');
  const id = first & ~FLAG_NA;
  const name = CODEC_NAMES[id];
  if (name === undefined || (first & FLAG_NA && !takesNA(id))) throw malformed(`unknown codec id ${first}`);
  return name;
}
