/**
 * How the LMDB engine takes values from lmdb-js. lmdb-js reads every value into one shared
 * buffer and, in binary mode, copies it out for the caller (a fresh ArrayBuffer per value: the
 * largest cost of a scan). Installed as the database's codec, {@link SHARED_VALUES} hands the
 * shared buffer out as it is, so the engine decides per read: an owned copy from Node's buffer
 * pool, or a borrowed view that lives until the next read.
 */
import { hasRecordHeader, recordValue, RECORD_HEADER } from './lmdb-record.js';

/** lmdb-js value codec: writes values as given, reads hand out lmdb-js's shared buffer. */
export const SHARED_VALUES = Object.freeze({
  encode: (value: Uint8Array): Uint8Array => value,
  decode: (shared: Uint8Array): Uint8Array => shared,
  // Tells lmdb-js the decoder does not keep the buffer, so it may pass its shared one.
  needsStableBuffer: false,
});

/**
 * The exact bytes of a value lmdb-js handed out. Its shared buffer carries the value's length
 * as `length` while the array underneath is larger; methods such as `subarray()` see the
 * larger array, so every reader goes through this first.
 */
export function exactValue(shared: Uint8Array): Uint8Array {
  const length = shared.length;
  return length === shared.byteLength ? shared : shared.subarray(0, length);
}

/**
 * A caller-owned copy of the value inside a stored record. `Buffer.allocUnsafe` takes small
 * copies from Node's pre-allocated pool (8-byte aligned, so block views stay zero-copy), far
 * cheaper than a fresh ArrayBuffer per value.
 */
export function ownedValue(key: Uint8Array, shared: Uint8Array): Uint8Array {
  const view = borrowedValue(key, shared);
  const copy = Buffer.allocUnsafe(view.length);
  copy.set(view);
  return copy;
}

/** The value inside a stored record as a view of lmdb-js's buffer: valid until the next read. */
export function borrowedValue(key: Uint8Array, shared: Uint8Array): Uint8Array {
  // recordValue throws STORE_CORRUPT for a record without its header.
  if (!hasRecordHeader(shared)) return recordValue(key, exactValue(shared));
  return new Uint8Array(shared.buffer, shared.byteOffset + RECORD_HEADER, shared.length - RECORD_HEADER);
}
