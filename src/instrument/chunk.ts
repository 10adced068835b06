/**
 * The chunk format (docs/instruments.md "Chunks"): one engine value holding up to
 * CHUNK_POINTS points of one instrument — a small header with the count, the time span and, for
 * numeric time series, a summary (min, max, sum, first, last and their times) that lets
 * downsampling skip decoding — then the index column and the value column, each encoded by its
 * codec (docs/instrument-codecs.md).
 */
import { KeeprError } from '../errors.js';
import { decodeKeys, decodeTimes, decodeValues, encodeKeys, encodeTimes, encodeValues } from './codec/index.js';
import type { InstrumentIndex, InstrumentType, InstrumentValues } from './instrument-types.js';
import { isNumericType, valuesAsNumbers } from './instrument-values.js';

/** Most points a chunk holds; appends fill chunks to exactly this many. */
export const CHUNK_POINTS = 1024;

/** Format version written in every chunk. */
export const CHUNK_VERSION = 1;

const MAGIC0 = 0x4b; // 'K'
const MAGIC1 = 0x49; // 'I'
const FLAG_KEYED = 1;
const FLAG_SUMMARY = 2;

/** Aggregates of a time series chunk's non-NA, non-NaN values, with the times they occur at. */
export interface ChunkSummary {
  /** Cells that are neither NA nor NaN. When 0, the other fields are absent (NaN / first). */
  readonly values: number;
  readonly min: number;
  readonly max: number;
  readonly sum: number;
  readonly first: number;
  readonly last: number;
  readonly minAt: bigint;
  readonly maxAt: bigint;
  readonly firstAt: bigint;
  readonly lastAt: bigint;
}

/** What a chunk's header says, read without decoding its columns. */
export interface ChunkHead {
  readonly count: number;
  /** First and last time (time series only; 0n for keyed columns). */
  readonly first: bigint;
  readonly last: bigint;
  readonly summary: ChunkSummary | undefined;
  readonly indexAt: number;
  readonly indexLength: number;
  readonly valuesAt: number;
  readonly valuesLength: number;
}

/** The decoded columns of a chunk. */
export interface ChunkColumns {
  readonly index: BigInt64Array | Uint8Array[];
  readonly values: InstrumentValues;
}

function malformed(message: string): KeeprError {
  return new KeeprError('CHUNK_MALFORMED', `instrument chunk: ${message}`);
}

/** Growable little-endian byte writer for chunk headers. */
class HeadWriter {
  bytes = new Uint8Array(128);
  at = 0;
  private ensure(n: number): void {
    if (this.at + n <= this.bytes.length) return;
    const next = new Uint8Array(Math.max(this.bytes.length * 2, this.at + n));
    next.set(this.bytes);
    this.bytes = next;
  }
  byte(v: number): void {
    this.ensure(1);
    this.bytes[this.at++] = v;
  }
  varint(v: number): void {
    while (v >= 0x80) {
      this.byte((v % 0x80) | 0x80);
      v = Math.floor(v / 0x80);
    }
    this.byte(v);
  }
  /** Zig-zag LEB128 of a signed 64-bit value. */
  bigZigzag(v: bigint): void {
    this.bigUnsigned((v << 1n) ^ (v >> 63n));
  }
  /** LEB128 of an unsigned 64-bit value (a span or an offset from the first time). */
  bigUnsigned(v: bigint): void {
    let z = BigInt.asUintN(64, v);
    while (z >= 0x80n) {
      this.byte(Number(z & 0x7fn) | 0x80);
      z >>= 7n;
    }
    this.byte(Number(z));
  }
  float(v: number): void {
    this.ensure(8);
    new DataView(this.bytes.buffer).setFloat64(this.at, v, true);
    this.at += 8;
  }
  bytesOf(part: Uint8Array): void {
    this.ensure(part.length);
    this.bytes.set(part, this.at);
    this.at += part.length;
  }
}

/** Reader over a chunk's bytes; every read is bounds-checked into CHUNK_MALFORMED. */
class HeadReader {
  at = 0;
  private readonly view: DataView;
  constructor(readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  byte(): number {
    if (this.at >= this.bytes.length) throw malformed('truncated');
    return this.bytes[this.at++]!;
  }
  varint(): number {
    let v = 0;
    let scale = 1;
    for (let i = 0; i < 8; i++) {
      const b = this.byte();
      v += (b & 0x7f) * scale;
      if (b < 0x80) return v;
      scale *= 0x80;
    }
    throw malformed('varint too long');
  }
  /** Steps over a summary's five floats and four varints. */
  skipSummary(): void {
    this.at += 40;
    for (let n = 0; n < 4; ) if (this.byte() < 0x80) n++;
  }
  /** Zig-zag LEB128 of a signed 64-bit value. */
  bigZigzag(): bigint {
    const z = this.bigUnsigned();
    return BigInt.asIntN(64, (z >> 1n) ^ -(z & 1n));
  }
  /** LEB128 of an unsigned 64-bit value; doubles while it fits 53 bits. */
  bigUnsigned(): bigint {
    const start = this.at;
    let z = 0;
    let scale = 1;
    for (let i = 0; i < 7; i++) {
      const b = this.byte();
      z += (b & 0x7f) * scale;
      if (b < 0x80) return BigInt(z);
      scale *= 0x80;
    }
    this.at = start;
    let big = 0n;
    for (let shift = 0n; shift < 70n; shift += 7n) {
      const b = this.byte();
      big |= BigInt(b & 0x7f) << shift;
      if (b < 0x80) {
        if (big >= 1n << 64n) throw malformed('64-bit varint overflows');
        return big;
      }
    }
    throw malformed('64-bit varint too long');
  }
  float(): number {
    if (this.at + 8 > this.bytes.length) throw malformed('truncated');
    const v = this.view.getFloat64(this.at, true);
    this.at += 8;
    return v;
  }
}

/** Summary of the numeric cells of a time series chunk (undefined for string types). */
export function summarize(type: InstrumentType, times: BigInt64Array, values: InstrumentValues): ChunkSummary | undefined {
  if (!isNumericType(type)) return undefined;
  let n = 0;
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  let first = Number.NaN;
  let last = Number.NaN;
  let minI = 0;
  let maxI = 0;
  let firstI = 0;
  let lastI = 0;
  const numbers = valuesAsNumbers(type, values);
  for (let i = 0; i < times.length; i++) {
    const v = numbers[i]!;
    if (v !== v) continue;
    if (n === 0) {
      first = v;
      firstI = i;
    }
    n++;
    sum += v;
    last = v;
    lastI = i;
    if (v < min) {
      min = v;
      minI = i;
    }
    if (v > max) {
      max = v;
      maxI = i;
    }
  }
  return { values: n, min, max, sum, first, last, minAt: times[minI]!, maxAt: times[maxI]!, firstAt: times[firstI]!, lastAt: times[lastI]! };
}

/** Encodes one chunk. `index` is sorted ascending and unique; both columns have `count` cells. */
export function encodeChunk(type: InstrumentType, kind: InstrumentIndex, index: BigInt64Array | Uint8Array[], values: InstrumentValues): Uint8Array {
  const count = index.length;
  const indexBytes = kind === 'time' ? encodeTimes(index as BigInt64Array) : encodeKeys(index as Uint8Array[]);
  const valueBytes = encodeValues(type, values as never);
  const summary = kind === 'time' ? summarize(type, index as BigInt64Array, values) : undefined;
  const w = new HeadWriter();
  w.byte(MAGIC0);
  w.byte(MAGIC1);
  w.byte(CHUNK_VERSION);
  w.byte((kind === 'key' ? FLAG_KEYED : 0) | (summary !== undefined ? FLAG_SUMMARY : 0));
  w.varint(count);
  if (kind === 'time') {
    const times = index as BigInt64Array;
    w.bigZigzag(times[0]!);
    w.bigUnsigned(times[count - 1]! - times[0]!);
  }
  if (summary !== undefined) {
    w.varint(summary.values);
    if (summary.values > 0) {
      for (const v of [summary.min, summary.max, summary.sum, summary.first, summary.last]) w.float(v);
      const t0 = (index as BigInt64Array)[0]!;
      for (const t of [summary.minAt, summary.maxAt, summary.firstAt, summary.lastAt]) w.bigUnsigned(t - t0);
    }
  }
  w.varint(indexBytes.length);
  w.bytesOf(indexBytes);
  w.varint(valueBytes.length);
  w.bytesOf(valueBytes);
  return w.bytes.slice(0, w.at);
}

/**
 * Reads a chunk's header; CHUNK_MALFORMED when it is not one of `kind`. The summary is parsed
 * only `withSummary` (downsampling); plain reads step over it.
 */
export function readChunkHead(bytes: Uint8Array, kind: InstrumentIndex, withSummary = true): ChunkHead {
  const r = new HeadReader(bytes);
  if (r.byte() !== MAGIC0 || r.byte() !== MAGIC1) throw malformed('bad magic');
  const version = r.byte();
  if (version !== CHUNK_VERSION) throw malformed(`version ${version} is not ${CHUNK_VERSION}`);
  const flags = r.byte();
  if ((flags & ~(FLAG_KEYED | FLAG_SUMMARY)) !== 0) throw malformed(`unknown flags ${flags}`);
  if (((flags & FLAG_KEYED) !== 0) !== (kind === 'key')) throw malformed(`not a ${kind}-indexed chunk`);
  const count = r.varint();
  if (count < 1 || count > 1 << 24) throw malformed(`count ${count} out of range`);
  let first = 0n;
  let last = 0n;
  if (kind === 'time') {
    first = r.bigZigzag();
    last = first + r.bigUnsigned();
    if (last >= 1n << 63n) throw malformed('the last time is beyond int64');
  }
  let summary: ChunkSummary | undefined;
  if ((flags & FLAG_SUMMARY) !== 0) {
    if (kind !== 'time') throw malformed('summary on a keyed chunk');
    const values = r.varint();
    if (values > count) throw malformed('summary counts more values than the chunk');
    if (!withSummary) {
      if (values > 0) r.skipSummary();
    } else if (values === 0) {
      summary = { values, min: Infinity, max: -Infinity, sum: 0, first: Number.NaN, last: Number.NaN, minAt: first, maxAt: first, firstAt: first, lastAt: first };
    } else {
      const [min, max, sum, f, l] = [r.float(), r.float(), r.float(), r.float(), r.float()];
      const [minAt, maxAt, firstAt, lastAt] = [r.bigUnsigned() + first, r.bigUnsigned() + first, r.bigUnsigned() + first, r.bigUnsigned() + first];
      summary = { values, min, max, sum, first: f, last: l, minAt, maxAt, firstAt, lastAt };
    }
  }
  const indexLength = r.varint();
  const indexAt = r.at;
  if (indexAt + indexLength > bytes.length) throw malformed('index column runs past the end');
  r.at += indexLength;
  const valuesLength = r.varint();
  const valuesAt = r.at;
  if (valuesAt + valuesLength !== bytes.length) throw malformed('value column does not end the chunk');
  return { count, first, last, summary, indexAt, indexLength, valuesAt, valuesLength };
}

/** Decodes a chunk's columns (from a head already read). */
export function decodeChunk(type: InstrumentType, kind: InstrumentIndex, bytes: Uint8Array, head = readChunkHead(bytes, kind)): ChunkColumns {
  const indexBytes = bytes.subarray(head.indexAt, head.indexAt + head.indexLength);
  const index = kind === 'time' ? decodeTimes(indexBytes, head.count) : decodeKeys(indexBytes, head.count);
  if (kind === 'time') {
    const times = index as BigInt64Array;
    if (times[0] !== head.first || times[head.count - 1] !== head.last) throw malformed('times do not match the header');
  }
  const values = decodeValues(type, bytes.subarray(head.valuesAt, head.valuesAt + head.valuesLength), head.count);
  return { index, values };
}
