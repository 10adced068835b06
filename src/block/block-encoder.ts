/**
 * Canonical encoder: turns normalised parts into block bytes. Same parts, same bytes, same
 * hash, on every machine. Everything here has already been checked by the builder except
 * sizes, which are checked against {@link MAX_BLOCK_BYTES} here.
 */
import { KeeprError } from '../errors.js';
import { type CellTypeInfo } from './cell-type.js';
import { scanCells } from './cells.js';
import {
  FLAG_HAS_NA,
  FLAG_ORDERED,
  HASH_OFFSET,
  MAX_BLOCK_BYTES,
  TUPLE_ENTRY_BYTES,
  computeHash,
  pad8,
  sections,
  viewOf,
  writeHeader,
} from './layout.js';

/** A tuple item ready to encode: its UTF-8 name and its complete block bytes. */
export interface EncodedItem {
  readonly name: Uint8Array;
  readonly bytes: Uint8Array;
}

/** Normalised content of a block, as the builder hands it to the encoder. */
export interface EncodeParts {
  readonly type: CellTypeInfo;
  readonly shape: readonly number[];
  /** Little-endian cell bytes, NA sentinels included (fixed-size types and factors). */
  readonly cells?: Uint8Array;
  /** String cells as UTF-8, null for NA (string type). */
  readonly strings?: readonly (Uint8Array | null)[];
  /** Factor level labels as UTF-8, in level order. */
  readonly levels?: readonly Uint8Array[];
  readonly ordered?: boolean;
  /** Tuple items in order. */
  readonly items?: readonly EncodedItem[];
  /** Attributes as [code, UTF-8 value], codes strictly ascending. */
  readonly attributes: readonly (readonly [number, Uint8Array])[];
}

function tooLarge(total: number): KeeprError {
  return new KeeprError('BLOCK_TOO_LARGE', `block would be ${total} bytes; the limit is ${MAX_BLOCK_BYTES}`, {
    details: { byteLength: total, limit: MAX_BLOCK_BYTES },
  });
}

/** Byte length of a heap made of length-prefixed entries. */
function entriesBytes(entries: readonly (Uint8Array | null)[]): number {
  let n = 0;
  for (const e of entries) if (e !== null) n += 4 + e.length;
  return n;
}

/** Writes length-prefixed entries at `at`; returns the offset of each entry relative to `base`. */
function writeEntries(out: Uint8Array, view: DataView, at: number, base: number, entries: readonly (Uint8Array | null)[], offsets?: Uint32Array): number {
  for (let i = 0; i < entries.length; i++) {
    const e = entries[i];
    if (e === null || e === undefined) continue;
    if (offsets !== undefined) offsets[i] = at - base;
    view.setUint32(at, e.length, true);
    out.set(e, at + 4);
    at += 4 + e.length;
  }
  return at;
}

/** Encodes parts into canonical block bytes, with the integrity hash filled in. */
export function encodeBlock(parts: EncodeParts): Uint8Array {
  const { type, shape } = parts;
  const cellCount = shape.reduce((a, b) => a * b, 1);
  let dataBytes: number;
  let heapBytes = 0;
  let levelCount = 0;
  switch (type.name) {
    case 'string':
      dataBytes = 4 * cellCount;
      heapBytes = 4 + entriesBytes(parts.strings ?? []);
      break;
    case 'factor':
      dataBytes = 4 * cellCount;
      levelCount = parts.levels?.length ?? 0;
      heapBytes = entriesBytes(parts.levels ?? []);
      break;
    case 'tuple': {
      const items = parts.items ?? [];
      let at = TUPLE_ENTRY_BYTES * items.length;
      for (const item of items) at = pad8(at) + item.bytes.length;
      dataBytes = at;
      heapBytes = entriesBytes(items.map((i) => i.name));
      break;
    }
    default:
      dataBytes = type.size * cellCount;
  }
  const attrs = parts.attributes;
  const attrBytes = attrs.length === 0 ? 0 : 8 * attrs.length + attrs.reduce((n, [, v]) => n + v.length, 0);
  if (dataBytes > MAX_BLOCK_BYTES || heapBytes > MAX_BLOCK_BYTES || attrBytes > MAX_BLOCK_BYTES) {
    throw tooLarge(dataBytes + heapBytes + attrBytes);
  }
  const sec = sections(dataBytes, heapBytes, attrBytes);
  if (sec.end > MAX_BLOCK_BYTES) throw tooLarge(sec.end);

  const out = new Uint8Array(sec.end);
  const view = viewOf(out);

  // Data and heap sections.
  switch (type.name) {
    case 'string': {
      const offsets = new Uint32Array(cellCount);
      // Heap offset 0 is the NA sentinel: the heap opens with one reserved zero word.
      writeEntries(out, view, sec.heap + 4, sec.heap, parts.strings ?? [], offsets);
      for (let i = 0; i < cellCount; i++) view.setUint32(sec.data + 4 * i, offsets[i]!, true);
      break;
    }
    case 'tuple': {
      const items = parts.items ?? [];
      const nameOffsets = new Uint32Array(items.length);
      writeEntries(out, view, sec.heap, sec.heap, items.map((i) => i.name), nameOffsets);
      let at = TUPLE_ENTRY_BYTES * items.length;
      items.forEach((item, i) => {
        at = pad8(at);
        const entry = sec.data + TUPLE_ENTRY_BYTES * i;
        view.setUint32(entry, nameOffsets[i]!, true);
        view.setUint32(entry + 4, at, true);
        view.setUint32(entry + 8, item.bytes.length, true);
        out.set(item.bytes, sec.data + at);
        at += item.bytes.length;
      });
      break;
    }
    case 'factor':
      writeEntries(out, view, sec.heap, sec.heap, parts.levels ?? []);
      if (parts.cells !== undefined) out.set(parts.cells, sec.data);
      break;
    default:
      if (parts.cells !== undefined) out.set(parts.cells, sec.data);
  }

  // Attribute section: a table of (code, length) pairs, then the values.
  let at = sec.attrs + 8 * attrs.length;
  attrs.forEach(([code, value], i) => {
    view.setUint32(sec.attrs + 8 * i, code, true);
    view.setUint32(sec.attrs + 8 * i + 4, value.length, true);
    out.set(value, at);
    at += value.length;
  });

  const hasNA = type.name === 'tuple' ? false : scanCells(type, out, sec.data, cellCount) === true;
  writeHeader(out, {
    cellTypeCode: type.code,
    rank: shape.length,
    flags: (hasNA ? FLAG_HAS_NA : 0) | (type.name === 'factor' && parts.ordered === true ? FLAG_ORDERED : 0),
    totalBytes: sec.end,
    cellCount,
    dims: shape,
    dataBytes,
    heapBytes,
    levelCount,
    attrCount: attrs.length,
    attrBytes,
  });
  out.set(computeHash(out), HASH_OFFSET);
  return out;
}
