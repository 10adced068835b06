/**
 * Commit-log records: one per committed write transaction, holding its sequence number and
 * the raw LMDB puts and deletes it made (checks were already decided inside the transaction).
 *
 *   frame   = u32 payload length | u32 CRC-32 (IEEE, as zlib) of the payload | payload
 *   payload = u64 seq | u32 op count | ops
 *   op      = u8 type (1 put, 2 delete, 3 delete range) | u32 key length | key
 *             | (put) u32 value length | value | (delete range) u32 end length | end
 *
 * All integers little-endian. A frame whose length is 0, runs past the file, or whose checksum
 * does not match ends the log: it is the torn tail of a write that was never acknowledged.
 */
import * as zlib from 'node:zlib';

/** A raw LMDB operation as logged (keys include the namespace prefix). */
export type LoggedOp =
  /** `prefix` (the namespace id), when given, comes before `key` in the logged key. */
  | { readonly type: 'put'; readonly prefix?: Uint8Array; readonly key: Uint8Array; readonly value: Uint8Array }
  | { readonly type: 'delete'; readonly prefix?: Uint8Array; readonly key: Uint8Array }
  /** Every key from `key` (inclusive) to `end` (exclusive): a dropped namespace. */
  | { readonly type: 'deleteRange'; readonly key: Uint8Array; readonly end: Uint8Array };

/** A decoded record. */
export interface LogRecord {
  readonly seq: number;
  readonly ops: LoggedOp[];
}

const FRAME_HEADER = 8;
const PUT = 1;
const DELETE = 2;
const DELETE_RANGE = 3;

// zlib.crc32 exists from Node 20.15; the table version gives the same numbers on older ones.
const nativeCrc32 = (zlib as { crc32?: (data: Uint8Array) => number }).crc32;
const CRC_TABLE = Uint32Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

/** CRC-32 (IEEE 802.3, the zlib/PNG polynomial) of `data`. */
export function crc32(data: Uint8Array): number {
  return nativeCrc32 !== undefined ? nativeCrc32(data) : crc32Portable(data);
}

/** The same CRC-32 in plain JavaScript (for Node versions before 20.15). */
export function crc32Portable(data: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < data.length; i++) c = CRC_TABLE[(c ^ data[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** The logged key's length, prefix included. */
function keyLength(op: LoggedOp): number {
  return op.type !== 'deleteRange' && op.prefix !== undefined ? op.prefix.length + op.key.length : op.key.length;
}

/** Encodes one record as a frame. */
export function encodeRecord(seq: number, ops: readonly LoggedOp[]): Buffer {
  let size = 12;
  for (const op of ops) size += 5 + keyLength(op) + (op.type === 'put' ? 4 + op.value.length : op.type === 'deleteRange' ? 4 + op.end.length : 0);
  const frame = Buffer.allocUnsafe(FRAME_HEADER + size);
  frame.writeUInt32LE(size, 0);
  let at = FRAME_HEADER;
  frame.writeBigUInt64LE(BigInt(seq), at);
  frame.writeUInt32LE(ops.length, at + 8);
  at += 12;
  for (const op of ops) {
    frame[at] = op.type === 'put' ? PUT : op.type === 'delete' ? DELETE : DELETE_RANGE;
    frame.writeUInt32LE(keyLength(op), at + 1);
    at += 5;
    // The prefix is written in place: no joined key is built per op.
    if (op.type !== 'deleteRange' && op.prefix !== undefined) {
      frame.set(op.prefix, at);
      at += op.prefix.length;
    }
    frame.set(op.key, at);
    at += op.key.length;
    if (op.type !== 'delete') {
      const tail = op.type === 'put' ? op.value : op.end;
      frame.writeUInt32LE(tail.length, at);
      frame.set(tail, at + 4);
      at += 4 + tail.length;
    }
  }
  frame.writeUInt32LE(crc32(frame.subarray(FRAME_HEADER)), 4);
  return frame;
}

/** Decodes the frames of one log file, stopping at the first torn or corrupt frame. */
export function decodeRecords(file: Buffer): LogRecord[] {
  const records: LogRecord[] = [];
  let at = 0;
  while (at + FRAME_HEADER <= file.length) {
    const size = file.readUInt32LE(at);
    if (size < 12 || at + FRAME_HEADER + size > file.length) break;
    const payload = file.subarray(at + FRAME_HEADER, at + FRAME_HEADER + size);
    if (crc32(payload) !== file.readUInt32LE(at + 4)) break;
    const record = decodePayload(payload);
    if (record === undefined) break;
    records.push(record);
    at += FRAME_HEADER + size;
  }
  return records;
}

function decodePayload(payload: Buffer): LogRecord | undefined {
  const seq = Number(payload.readBigUInt64LE(0));
  const count = payload.readUInt32LE(8);
  const ops: LoggedOp[] = [];
  let at = 12;
  for (let i = 0; i < count; i++) {
    if (at + 5 > payload.length) return undefined;
    const type = payload[at];
    const keyLength = payload.readUInt32LE(at + 1);
    if (at + 5 + keyLength > payload.length) return undefined;
    const key = payload.subarray(at + 5, at + 5 + keyLength);
    at += 5 + keyLength;
    if (type === DELETE) {
      ops.push({ type: 'delete', key });
    } else if (type === PUT || type === DELETE_RANGE) {
      if (at + 4 > payload.length) return undefined;
      const tailLength = payload.readUInt32LE(at);
      if (at + 4 + tailLength > payload.length) return undefined;
      const tail = payload.subarray(at + 4, at + 4 + tailLength);
      ops.push(type === PUT ? { type: 'put', key, value: tail } : { type: 'deleteRange', key, end: tail });
      at += 4 + tailLength;
    } else {
      return undefined;
    }
  }
  return at === payload.length ? { seq, ops } : undefined;
}
