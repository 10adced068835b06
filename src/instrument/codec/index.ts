/** Placeholder raw codecs (replaced by the compressed codecs before release). */
import { KeeprError } from '../../errors.js';
import type { InstrumentType, InstrumentValuesMap } from '../instrument-types.js';

const bad = (what: string): KeeprError => new KeeprError('CHUNK_MALFORMED', `bad ${what}`);

/** Times → bytes. */
export function encodeTimes(times: BigInt64Array): Uint8Array {
  return new Uint8Array(times.slice().buffer);
}
/** Bytes → times. */
export function decodeTimes(bytes: Uint8Array, count: number): BigInt64Array {
  if (bytes.length !== count * 8) throw bad('times');
  return new BigInt64Array(Uint8Array.prototype.slice.call(bytes).buffer);
}
/** Values → bytes. */
export function encodeValues<T extends InstrumentType>(type: T, values: InstrumentValuesMap[T]): Uint8Array {
  if (Array.isArray(values)) return new TextEncoder().encode(JSON.stringify(values));
  return new Uint8Array(Uint8Array.prototype.slice.call(new Uint8Array((values as Uint8Array).buffer, (values as Uint8Array).byteOffset, (values as Uint8Array).byteLength)).buffer);
}
/** Bytes → values. */
export function decodeValues<T extends InstrumentType>(type: T, bytes: Uint8Array, count: number): InstrumentValuesMap[T] {
  if (type === 'string' || type === 'factor') {
    const v = JSON.parse(new TextDecoder().decode(bytes)) as (string | null)[];
    if (v.length !== count) throw bad('values');
    return v as InstrumentValuesMap[T];
  }
  const C = { bool: Uint8Array, int8: Int8Array, int16: Int16Array, int32: Int32Array, int64: BigInt64Array, uint8: Uint8Array, uint16: Uint16Array, uint32: Uint32Array, uint64: BigUint64Array, float32: Float32Array, float64: Float64Array, time: BigInt64Array }[type as 'bool'];
  if (bytes.length !== count * C.BYTES_PER_ELEMENT) throw bad('values');
  return new C(Uint8Array.prototype.slice.call(bytes).buffer) as unknown as InstrumentValuesMap[T];
}
/** Keys → bytes. */
export function encodeKeys(keys: readonly Uint8Array[]): Uint8Array {
  const parts: number[] = [];
  for (const k of keys) parts.push(k.length & 0xff, k.length >> 8, ...k);
  return Uint8Array.from(parts);
}
/** Bytes → keys. */
export function decodeKeys(bytes: Uint8Array, count: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  let at = 0;
  for (let i = 0; i < count; i++) {
    const n = bytes[at]! | (bytes[at + 1]! << 8);
    out.push(bytes.slice(at + 2, at + 2 + n));
    at += 2 + n;
  }
  if (at !== bytes.length) throw bad('keys');
  return out;
}
/** Codec name. */
export function valueCodecName(_bytes: Uint8Array): string {
  return 'raw';
}
