/**
 * How the LMDB engine stores a value: an 8-byte record header, then the value.
 *
 *   0  'K' 'V'   magic (0x4B 0x56; a record starts with 'K', never with one of lmdb-js's
 *                compressed-value marker bytes, 250 and up)
 *   2  u8 1      record version
 *   3  u8 0      reserved
 *   4  u32 LE    CRC-32 (IEEE, as zlib) over: the full LMDB key (4-byte namespace id and key)
 *                | the first 96 bytes of the value (all of it when shorter) | u32 LE value length
 *
 * The check binds a value to its key: a byte flipped in a stored key (a block silently renamed)
 * or a value moved under another key fails it, and so does damage to the start of the value or
 * a value cut short. It covers the first 96 bytes because a block's 96-byte header holds the
 * SHA-256 of the whole block, which `keepr verify` checks too; other values keep their own checks
 * (versioned state is audited by hash). Reads check the magic; `verify` checks the CRC.
 */
import { KeeprError } from '../../errors.js';
import { crc32 } from './log-record.js';

/** Bytes of the record header. */
export const RECORD_HEADER = 8;
/** How much of the value the check covers. */
export const CHECKED_PREFIX = 96;
const VERSION = 1;
const scratch = Buffer.alloc(4 + 1025 + CHECKED_PREFIX + 4);

/** The record check of `key` and a value given as `stored` from offset `at` (length `length`). */
function check(key: Uint8Array, stored: Uint8Array, at: number, length: number): number {
  const head = Math.min(length, CHECKED_PREFIX);
  const buffer = key.length + head + 4 <= scratch.length ? scratch : Buffer.alloc(key.length + head + 4);
  buffer.set(key, 0);
  buffer.set(stored.subarray(at, at + head), key.length);
  buffer.writeUInt32LE(length, key.length + head);
  return crc32(buffer.subarray(0, key.length + head + 4));
}

/** Writes the record header for `value` under the full LMDB `key` into `into` (8 bytes). */
function writeHeader(into: Buffer, key: Uint8Array, value: Uint8Array): void {
  into[0] = 0x4b;
  into[1] = 0x56;
  into[2] = VERSION;
  into[3] = 0;
  into.writeUInt32LE(check(key, value, 0, value.length), 4);
}

/** Writes the header of `record` (a value after {@link RECORD_HEADER} free bytes) for `key`. */
export function sealRecord(record: Buffer, key: Uint8Array): Buffer {
  writeHeader(record, key, record.subarray(RECORD_HEADER));
  return record;
}

/** The stored record for `value` under the full LMDB `key` (a new buffer). */
export function toRecord(key: Uint8Array, value: Uint8Array): Buffer {
  const record = Buffer.allocUnsafe(RECORD_HEADER + value.length);
  writeHeader(record, key, value);
  record.set(value, RECORD_HEADER);
  return record;
}

function damaged(key: Uint8Array, reason: string): KeeprError {
  return new KeeprError('STORE_CORRUPT', `the record stored under key ${Buffer.from(key).toString('hex')} is damaged: ${reason}; run keepr verify`, { details: { key: Buffer.from(key).toString('hex'), reason } });
}

/** True when `stored` starts with a record header of this version. */
export function hasRecordHeader(stored: Uint8Array): boolean {
  return stored.length >= RECORD_HEADER && stored[0] === 0x4b && stored[1] === 0x56 && stored[2] === VERSION && stored[3] === 0;
}

/** The value inside a stored record (a view); `STORE_CORRUPT` when the header is not one. */
export function recordValue(key: Uint8Array, stored: Uint8Array): Uint8Array {
  if (!hasRecordHeader(stored)) throw damaged(key, 'no record header');
  return stored.subarray(RECORD_HEADER);
}

/** What is wrong with a stored record under the full LMDB `key`, or undefined when it is whole. */
export function recordDamage(key: Uint8Array, stored: Uint8Array): string | undefined {
  if (!hasRecordHeader(stored)) return 'no record header';
  const expected = Buffer.from(stored.buffer, stored.byteOffset, stored.length).readUInt32LE(4);
  if (check(key, stored, RECORD_HEADER, stored.length - RECORD_HEADER) !== expected) return 'the record does not belong to this key (check mismatch)';
  return undefined;
}
