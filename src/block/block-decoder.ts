/**
 * Validation of untrusted block bytes. Every header field, section size, padding byte, cell,
 * string, level, tuple item and attribute is checked against the canonical layout, so a buffer
 * that passes is exactly what the encoder would have written for its content. Anything else
 * is `BLOCK_MALFORMED` with a reason; loops are bounded by the buffer length, so no input
 * can make this hang or read out of bounds.
 */
import { KeeprError } from '../errors.js';
import { MAX_RANK, cellTypeByCode, type CellTypeInfo } from './cell-type.js';
import { scanCells } from './cells.js';
import {
  FLAG_HAS_NA,
  FLAG_ORDERED,
  FLAGS_KNOWN,
  FLAGS_MUST_UNDERSTAND,
  MAX_BLOCK_BYTES,
  FORMAT_VERSION,
  HASH_BYTES,
  HASH_OFFSET,
  HEADER_BYTES,
  MAGIC,
  MAX_EMPTY_EXTENT,
  MAX_TUPLE_DEPTH,
  OFF,
  TUPLE_ENTRY_BYTES,
  computeHash,
  pad8,
  readHeader,
  sections,
  viewOf,
  type Header,
  type Sections,
} from './layout.js';

/** Options of {@link validateBlock}. */
export interface ValidateOptions {
  /** Recompute and compare the integrity hash (default true). */
  readonly verifyHash?: boolean;
}

/** A header that passed validation, with its cell type and section offsets. */
export interface ValidHeader extends Header {
  readonly type: CellTypeInfo;
  readonly sections: Sections;
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

function malformed(reason: string, details: Record<string, unknown> = {}): KeeprError {
  return new KeeprError('BLOCK_MALFORMED', `malformed block: ${reason}`, { details: { reason, ...details } });
}

function checkZeros(bytes: Uint8Array, from: number, to: number, what: string): void {
  for (let i = from; i < to; i++) if (bytes[i] !== 0) throw malformed(`${what} padding is not zero`, { offset: i });
}

function checkUtf8(bytes: Uint8Array, what: string): void {
  try {
    strictUtf8.decode(bytes);
  } catch {
    throw malformed(`${what} is not valid UTF-8`);
  }
}

/**
 * Walks `count` length-prefixed UTF-8 entries starting at `from`; returns their start offsets
 * relative to `base`. The entries must end exactly at `to`.
 */
function walkEntries(view: DataView, bytes: Uint8Array, from: number, to: number, count: number, base: number, what: string): number[] {
  const starts: number[] = [];
  let at = from;
  for (let i = 0; i < count; i++) {
    if (at + 4 > to) throw malformed(`${what} runs past its section`, { index: i });
    const len = view.getUint32(at, true);
    if (len > to - at - 4) throw malformed(`${what} runs past its section`, { index: i });
    checkUtf8(bytes.subarray(at + 4, at + 4 + len), what);
    starts.push(at - base);
    at += 4 + len;
  }
  if (at !== to) throw malformed(`${what} section has trailing bytes`);
  return starts;
}

function checkHeader(bytes: Uint8Array, view: DataView): ValidHeader {
  if (bytes.length < HEADER_BYTES) throw malformed('shorter than the 96-byte header', { length: bytes.length });
  for (let i = 0; i < 4; i++) if (bytes[i] !== MAGIC[i]) throw malformed('bad magic');
  if (view.getUint8(OFF.version) !== FORMAT_VERSION) throw malformed('unsupported format version', { version: view.getUint8(OFF.version) });
  const h = readHeader(view);
  const type = cellTypeByCode(h.cellTypeCode);
  if (type === undefined) throw malformed('unknown cell type code', { code: h.cellTypeCode });
  if (h.rank > MAX_RANK) throw malformed('rank above 6', { rank: h.rank });
  // Bits 2-3 must be understood (a reader that does not know one refuses the block); bits 4-7
  // may be ignored (they never change how cells read), so they are accepted and kept as-is.
  if ((h.flags & FLAGS_MUST_UNDERSTAND & ~FLAGS_KNOWN) !== 0) throw malformed('unknown must-understand flag bits', { flags: h.flags });
  if ((h.flags & FLAG_ORDERED) !== 0 && type.name !== 'factor') throw malformed('ordered flag on a non-factor');
  if (view.getUint32(OFF.reserved, true) !== 0) throw malformed('reserved header field is not zero');
  if (h.totalBytes > MAX_BLOCK_BYTES) throw malformed('total size above the limit', { totalBytes: h.totalBytes, limit: MAX_BLOCK_BYTES });
  if (h.totalBytes !== bytes.length) throw malformed('total size does not match the buffer', { totalBytes: h.totalBytes, length: bytes.length });
  let count = 1;
  let extent = 1;
  for (let i = 0; i < 6; i++) {
    const d = h.dims[i]!;
    if (i >= h.rank) {
      if (d !== 0) throw malformed('dimension beyond the rank is not zero', { dim: i });
    } else {
      count *= d;
      if (d !== 0) extent *= d;
    }
  }
  if (count !== h.cellCount) throw malformed('cell count is not the product of the dimensions', { cellCount: h.cellCount });
  if (count === 0 && extent > MAX_EMPTY_EXTENT) throw malformed('an empty block has too large an extent', { extent });
  if (type.name === 'tuple' && h.rank !== 1) throw malformed('a tuple must have rank 1');
  if (type.name !== 'factor' && h.levelCount !== 0) throw malformed('level count on a non-factor');
  if (h.attrCount > h.attrBytes / 8) throw malformed('attribute table larger than its section');
  const sec = sections(h.dataBytes, h.heapBytes, h.attrBytes);
  if (sec.end !== h.totalBytes) throw malformed('section sizes do not add up to the total size');
  if (type.name !== 'tuple' && h.dataBytes !== type.size * h.cellCount) throw malformed('data size does not match the cell count');
  return { ...h, type, sections: sec };
}

function checkStrings(view: DataView, bytes: Uint8Array, h: ValidHeader): void {
  const { data, heap } = h.sections;
  if (h.heapBytes < 4 || view.getUint32(heap, true) !== 0) throw malformed('string heap must open with a zero word');
  // Canonical layout: non-NA cells own consecutive heap entries in cell order.
  let expected = 4;
  for (let i = 0; i < h.cellCount; i++) {
    const off = view.getUint32(data + 4 * i, true);
    if (off === 0) continue;
    if (off !== expected) throw malformed('string offsets are not canonical', { cell: i });
    if (expected + 4 > h.heapBytes) throw malformed('string runs past the heap', { cell: i });
    const len = view.getUint32(heap + expected, true);
    if (len > h.heapBytes - expected - 4) throw malformed('string runs past the heap', { cell: i });
    checkUtf8(bytes.subarray(heap + expected + 4, heap + expected + 4 + len), 'string');
    expected += 4 + len;
  }
  if (expected !== h.heapBytes) throw malformed('string heap has unreferenced bytes');
}

function checkFactor(view: DataView, bytes: Uint8Array, h: ValidHeader): void {
  const { data, heap } = h.sections;
  const starts = walkEntries(view, bytes, heap, heap + h.heapBytes, h.levelCount, heap, 'factor level');
  const seen = new Set<string>();
  for (const s of starts) {
    const len = view.getUint32(heap + s, true);
    const label = Buffer.from(bytes.buffer, bytes.byteOffset + heap + s + 4, len).toString('latin1');
    if (seen.has(label)) throw malformed('factor levels repeat');
    seen.add(label);
  }
  for (let i = 0; i < h.cellCount; i++) {
    const code = view.getInt32(data + 4 * i, true);
    if (code !== -0x80000000 && (code < 0 || code >= h.levelCount)) throw malformed('factor code out of range', { cell: i });
  }
}

function checkTuple(view: DataView, bytes: Uint8Array, h: ValidHeader, depth: number, options: ValidateOptions): void {
  const { data, heap } = h.sections;
  const n = h.cellCount;
  if (n > h.dataBytes / TUPLE_ENTRY_BYTES) throw malformed('tuple item table larger than the data section');
  const nameStarts = walkEntries(view, bytes, heap, heap + h.heapBytes, n, heap, 'tuple item name');
  const names = new Set<string>();
  let at = TUPLE_ENTRY_BYTES * n;
  for (let i = 0; i < n; i++) {
    const entry = data + TUPLE_ENTRY_BYTES * i;
    const nameOff = view.getUint32(entry, true);
    const itemOff = view.getUint32(entry + 4, true);
    const itemLen = view.getUint32(entry + 8, true);
    if (nameOff !== nameStarts[i]) throw malformed('tuple name offsets are not canonical', { item: i });
    if (view.getUint32(entry + 12, true) !== 0) throw malformed('tuple entry reserved field is not zero', { item: i });
    const nameLen = view.getUint32(heap + nameOff, true);
    const name = Buffer.from(bytes.buffer, bytes.byteOffset + heap + nameOff + 4, nameLen).toString('latin1');
    if (nameLen === 0) throw malformed('tuple item name is empty', { item: i });
    if (names.has(name)) throw malformed('tuple item names repeat', { item: i });
    names.add(name);
    const aligned = pad8(at);
    checkZeros(bytes, data + at, data + aligned, 'tuple item');
    if (itemOff !== aligned) throw malformed('tuple item offsets are not canonical', { item: i });
    if (itemLen > h.dataBytes - itemOff) throw malformed('tuple item runs past the data section', { item: i });
    try {
      validateAt(bytes.subarray(data + itemOff, data + itemOff + itemLen), depth + 1, options);
    } catch (err) {
      if (err instanceof KeeprError) {
        const reason = err.details?.['reason'];
        throw malformed(`tuple item ${i}: ${typeof reason === 'string' ? reason : err.message}`, { item: i });
      }
      throw err;
    }
    at = itemOff + itemLen;
  }
  if (at !== h.dataBytes) throw malformed('tuple data section has trailing bytes');
}

function checkAttributes(view: DataView, bytes: Uint8Array, h: ValidHeader): void {
  const { attrs } = h.sections;
  let at = attrs + 8 * h.attrCount;
  let last = 0;
  for (let i = 0; i < h.attrCount; i++) {
    const code = view.getUint32(attrs + 8 * i, true);
    const len = view.getUint32(attrs + 8 * i + 4, true);
    if (code === 0 || code > 0x7fffffff) throw malformed('attribute code out of range', { code });
    if (code <= last) throw malformed('attribute codes are not strictly ascending', { code });
    last = code;
    if (len > attrs + h.attrBytes - at) throw malformed('attribute value runs past its section', { code });
    checkUtf8(bytes.subarray(at, at + len), 'attribute value');
    at += len;
  }
  if (at !== attrs + h.attrBytes) throw malformed('attribute section has trailing bytes');
}

function validateAt(bytes: Uint8Array, depth: number, options: ValidateOptions): ValidHeader {
  if (depth > MAX_TUPLE_DEPTH) throw malformed('tuples nested too deeply');
  const view = viewOf(bytes);
  const h = checkHeader(bytes, view);
  const { data, heap, attrs, end } = h.sections;
  checkZeros(bytes, data + h.dataBytes, heap, 'data');
  checkZeros(bytes, heap + h.heapBytes, attrs, 'heap');
  checkZeros(bytes, attrs + h.attrBytes, end, 'attribute');
  switch (h.type.name) {
    case 'string':
      checkStrings(view, bytes, h);
      break;
    case 'factor':
      checkFactor(view, bytes, h);
      break;
    case 'tuple':
      checkTuple(view, bytes, h, depth, options);
      break;
    default:
      if (h.heapBytes !== 0) throw malformed('heap on a type without strings');
  }
  const na = h.type.name === 'tuple' ? false : scanCells(h.type, bytes, data, h.cellCount);
  if (na === 'invalid') {
    throw malformed(h.type.name === 'bool' ? 'cell value not allowed for the type' : 'non-canonical NaN (only the NA pattern and the one quiet NaN are allowed)');
  }
  if (na !== ((h.flags & FLAG_HAS_NA) !== 0)) throw malformed('has-NA flag does not match the cells');
  checkAttributes(view, bytes, h);
  if (options.verifyHash !== false) {
    const hash = computeHash(bytes);
    for (let i = 0; i < HASH_BYTES; i++) {
      if (hash[i] !== bytes[HASH_OFFSET + i]) throw malformed('integrity hash does not match the contents');
    }
  }
  return h;
}

/** Validates untrusted bytes as a block; throws `BLOCK_MALFORMED` with a reason. */
export function validateBlock(bytes: Uint8Array, options: ValidateOptions = {}): ValidHeader {
  if (!(bytes instanceof Uint8Array)) throw malformed('not a Uint8Array');
  return validateAt(bytes, 0, options);
}

/** Reads the header of bytes already known to be a valid block (no checks beyond the basics). */
export function trustedHeader(bytes: Uint8Array): ValidHeader {
  const view = viewOf(bytes);
  if (bytes.length < HEADER_BYTES || bytes[0] !== MAGIC[0] || bytes[3] !== MAGIC[3]) throw malformed('not a block');
  const h = readHeader(view);
  const type = cellTypeByCode(h.cellTypeCode);
  if (type === undefined || h.totalBytes !== bytes.length) throw malformed('not a block');
  return { ...h, type, sections: sections(h.dataBytes, h.heapBytes, h.attrBytes) };
}
