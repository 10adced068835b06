/**
 * The instrument codecs (docs/instrument-codecs.md): times, value columns of every instrument
 * type and sorted keys to compact bytes and back. Decoders take untrusted bytes: anything that
 * does not decode is KeeprError CHUNK_MALFORMED.
 */
import type { InstrumentType, InstrumentValuesMap } from '../instrument-types.js';
import { checkLength, codecName, decodeColumn, encodeColumn } from './columns.js';
import { decodeIntColumn, encodeIntColumn } from './int-columns.js';
import { decodeKeyList, encodeKeyList } from './keys.js';

/** Times (int64 µs; any values, ascending is the fast path) → bytes. */
export function encodeTimes(times: BigInt64Array): Uint8Array {
  checkLength(times);
  return encodeIntColumn('time', times);
}

/** Inverse; `count` = number of times; throws KeeprError('CHUNK_MALFORMED') on bad bytes. */
export function decodeTimes(bytes: Uint8Array, count: number): BigInt64Array {
  return decodeIntColumn('time', bytes, count) as BigInt64Array;
}

/** A column of one instrument type → bytes (the codec is chosen per call; its id is the first byte). */
export function encodeValues<T extends InstrumentType>(type: T, values: InstrumentValuesMap[T]): Uint8Array {
  return encodeColumn(type, values);
}

/** Inverse of {@link encodeValues}; throws KeeprError('CHUNK_MALFORMED') on bad bytes. */
export function decodeValues<T extends InstrumentType>(type: T, bytes: Uint8Array, count: number): InstrumentValuesMap[T] {
  return decodeColumn(type, bytes, count);
}

/** Which codec encodeValues picked (its id byte), for reports: e.g. 'alp', 'xor', 'delta-bitpack', 'dict', 'raw'. */
export function valueCodecName(bytes: Uint8Array): string {
  return codecName(bytes);
}

/** Sorted distinct binary keys → bytes (front coding), and back. */
export function encodeKeys(keys: readonly Uint8Array[]): Uint8Array {
  checkLength(keys);
  return encodeKeyList(keys);
}

/** Inverse of {@link encodeKeys}; `count` = number of keys; throws KeeprError('CHUNK_MALFORMED') on bad bytes. */
export function decodeKeys(bytes: Uint8Array, count: number): Uint8Array[] {
  return decodeKeyList(bytes, count);
}
