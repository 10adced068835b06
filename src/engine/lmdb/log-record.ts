/**
 * Commit-log records: one per committed write transaction, holding its sequence number and
 * the raw LMDB puts and deletes it made (checks were already decided inside the transaction).
 *
 *   frame   = u32 payload length | 4 bytes of SHA-256(payload) | payload
 *   payload = u64 seq | u32 op count | ops
 *   op      = u8 type (1 put, 2 delete, 3 delete range) | u32 key length | key
 *             | (put) u32 value length | value | (delete range) u32 end length | end
 *
 * All integers little-endian. A frame whose length is 0, runs past the file, or whose checksum
 * does not match ends the log: it is the torn tail of a write that was never acknowledged.
 */
import { createHash } from 'node:crypto';

/** A raw LMDB operation as logged (keys include the namespace prefix). */
export type LoggedOp =
  | { readonly type: 'put'; readonly key: Uint8Array; readonly value: Uint8Array }
  | { readonly type: 'delete'; readonly key: Uint8Array }
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

function checksum(payload: Uint8Array): Buffer {
  return createHash('sha256').update(payload).digest().subarray(0, 4);
}

/** Encodes one record as a frame. */
export function encodeRecord(seq: number, ops: readonly LoggedOp[]): Buffer {
  let size = 12;
  for (const op of ops) size += 5 + op.key.length + (op.type === 'put' ? 4 + op.value.length : op.type === 'deleteRange' ? 4 + op.end.length : 0);
  const frame = Buffer.allocUnsafe(FRAME_HEADER + size);
  frame.writeUInt32LE(size, 0);
  let at = FRAME_HEADER;
  frame.writeBigUInt64LE(BigInt(seq), at);
  frame.writeUInt32LE(ops.length, at + 8);
  at += 12;
  for (const op of ops) {
    frame[at] = op.type === 'put' ? PUT : op.type === 'delete' ? DELETE : DELETE_RANGE;
    frame.writeUInt32LE(op.key.length, at + 1);
    frame.set(op.key, at + 5);
    at += 5 + op.key.length;
    if (op.type !== 'delete') {
      const tail = op.type === 'put' ? op.value : op.end;
      frame.writeUInt32LE(tail.length, at);
      frame.set(tail, at + 4);
      at += 4 + tail.length;
    }
  }
  checksum(frame.subarray(FRAME_HEADER)).copy(frame, 4);
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
    if (!checksum(payload).equals(file.subarray(at + 4, at + 8))) break;
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
