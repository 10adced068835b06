/**
 * Commit-log frames: one per committed write transaction, holding its sequence number and the
 * raw LMDB puts and deletes it made (checks were already decided inside the transaction).
 *
 *   frame   = u32 magic "KPL2" | u32 payload length | u32 CRC-32 of (synced | payload)
 *             | u32 synced | payload
 *   payload = u64 seq | u32 op count | ops
 *   op      = u8 type (1 put, 2 delete, 3 delete range) | u32 key length | key
 *             | (put) u32 value length | value | (delete range) u32 end length | end
 *
 * All integers little-endian; CRC-32 is IEEE 802.3 (as zlib). `synced` is how many bytes of the
 * segment were already on disk (fdatasync'ed) when the frame's group was written: a damaged
 * frame below a later frame's `synced` mark was durable once, so it is damage, not a torn write.
 * Eight zero bytes (magic 0, length 0) end the log; every group of frames is written with them.
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

/** Frame magic, "KPL2" read as a little-endian u32. */
export const FRAME_MAGIC = 0x324c504b;
/** Bytes before the payload. */
export const FRAME_HEADER = 16;
/** The end marker written after every group. */
export const END_MARKER = Buffer.alloc(8);
const PUT = 1;
const DELETE = 2;
const DELETE_RANGE = 3;
const MIN_PAYLOAD = 12;

// zlib.crc32 exists from Node 20.15; the table version gives the same numbers on older ones.
const nativeCrc32 = (zlib as { crc32?: (data: Uint8Array, value?: number) => number }).crc32;
const CRC_TABLE = Uint32Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

/** CRC-32 (IEEE 802.3, the zlib/PNG polynomial) of `data`, continuing from `value`. */
export function crc32(data: Uint8Array, value = 0): number {
  return nativeCrc32 !== undefined ? nativeCrc32(data, value) : crc32Portable(data, value);
}

/** The same CRC-32 in plain JavaScript (for Node versions before 20.15). */
export function crc32Portable(data: Uint8Array, value = 0): number {
  let c = (value ^ 0xffffffff) >>> 0;
  for (let i = 0; i < data.length; i++) c = CRC_TABLE[(c ^ data[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** The logged key's length, prefix included. */
function keyLength(op: LoggedOp): number {
  return op.type !== 'deleteRange' && op.prefix !== undefined ? op.prefix.length + op.key.length : op.key.length;
}

// Frames up to this size are encoded into one reused buffer; larger ones get their own.
const SCRATCH_MAX = 8 * 1024 * 1024;

/**
 * A buffer reused from one frame to the next (a fresh megabyte per group costs page faults and
 * garbage): a frame encoded into it is valid only until the next encode.
 */
export class FrameScratch {
  #buffer = Buffer.alloc(0);

  /** `bytes` bytes to encode a frame into. */
  take(bytes: number): Buffer {
    if (bytes > SCRATCH_MAX) return Buffer.allocUnsafe(bytes);
    if (this.#buffer.length < bytes) this.#buffer = Buffer.allocUnsafe(Math.min(SCRATCH_MAX, Math.max(bytes, this.#buffer.length * 2, 4096)));
    return this.#buffer.subarray(0, bytes);
  }
}

/**
 * Encodes one record as a frame whose `synced` mark is 0 (see {@link sealFrame}), into
 * `scratch` when given (the frame is then valid until its next use).
 */
export function encodeRecord(seq: number, ops: readonly LoggedOp[], scratch?: FrameScratch): Buffer {
  let size = MIN_PAYLOAD;
  for (const op of ops) size += 5 + keyLength(op) + (op.type === 'put' ? 4 + op.value.length : op.type === 'deleteRange' ? 4 + op.end.length : 0);
  const frame = scratch !== undefined ? scratch.take(FRAME_HEADER + size) : Buffer.allocUnsafe(FRAME_HEADER + size);
  frame.writeUInt32LE(FRAME_MAGIC, 0);
  frame.writeUInt32LE(size, 4);
  let at = FRAME_HEADER;
  frame.writeBigUInt64LE(BigInt(seq), at);
  frame.writeUInt32LE(ops.length, at + 8);
  at += MIN_PAYLOAD;
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
  return sealFrame(frame, 0);
}

/** Sets a frame's `synced` mark and its checksum (the frame is changed in place and returned). */
export function sealFrame(frame: Buffer, synced: number): Buffer {
  frame.writeUInt32LE(synced, 12);
  frame.writeUInt32LE(crc32(frame.subarray(12)), 8);
  return frame;
}

/** What {@link readFrame} found at an offset. */
export type FrameRead =
  | { readonly kind: 'record'; readonly record: LogRecord; readonly synced: number; readonly next: number }
  /** The end marker, or the zeros of space never written. */
  | { readonly kind: 'end' }
  /** Not a whole, valid frame: a torn write, stale bytes or damage (the log reader decides). */
  | { readonly kind: 'invalid'; readonly reason: string };

/** Reads the frame at `at` of a segment's bytes, checking its magic, length and checksum. */
export function readFrame(file: Buffer, at: number): FrameRead {
  if (at + 8 > file.length) return { kind: 'end' };
  const magic = file.readUInt32LE(at);
  const size = file.readUInt32LE(at + 4);
  if (magic === 0 && size === 0) return { kind: 'end' };
  if (magic !== FRAME_MAGIC) return { kind: 'invalid', reason: 'bad frame magic' };
  if (size < MIN_PAYLOAD || at + FRAME_HEADER + size > file.length) return { kind: 'invalid', reason: 'frame length out of range' };
  if (crc32(file.subarray(at + 12, at + FRAME_HEADER + size)) !== file.readUInt32LE(at + 8)) return { kind: 'invalid', reason: 'checksum mismatch' };
  const record = decodePayload(file.subarray(at + FRAME_HEADER, at + FRAME_HEADER + size));
  if (record === undefined) return { kind: 'invalid', reason: 'payload does not decode' };
  return { kind: 'record', record, synced: file.readUInt32LE(at + 12), next: at + FRAME_HEADER + size };
}

/** Decodes consecutive frames from the start of `file`, stopping at the first that is not one. */
export function decodeRecords(file: Buffer): LogRecord[] {
  const records: LogRecord[] = [];
  for (let at = 0; ; ) {
    const frame = readFrame(file, at);
    if (frame.kind !== 'record') return records;
    records.push(frame.record);
    at = frame.next;
  }
}

function decodePayload(payload: Buffer): LogRecord | undefined {
  const seq = Number(payload.readBigUInt64LE(0));
  const count = payload.readUInt32LE(8);
  const ops: LoggedOp[] = [];
  let at = MIN_PAYLOAD;
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
