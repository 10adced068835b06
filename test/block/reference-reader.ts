/**
 * An independent block reader written only from docs/block-format.md (no imports from src/).
 * It checks every rule of the document's validation checklist and throws an Error naming the
 * rule it found broken. The golden-vector test runs it over every vector, valid and must-reject,
 * which keeps the document precise enough for someone writing a reader in another language.
 */
import { createHash } from 'node:crypto';

/** What the reference reader extracts: flat cells as JSON-able values. */
export interface ReferenceBlock {
  type: string;
  shape: number[];
  hasNA: boolean;
  ordered: boolean;
  cells: unknown[];
  levels?: string[];
  items?: { name: string; block: ReferenceBlock }[];
  attributes: Record<number, string>;
  hashOk: boolean;
}

const TYPES: Record<number, [string, number]> = {
  1: ['bool', 1], 2: ['int8', 1], 3: ['int16', 2], 4: ['int32', 4], 5: ['int64', 8], 6: ['uint8', 1],
  7: ['uint16', 2], 8: ['uint32', 4], 9: ['uint64', 8], 10: ['float32', 4], 11: ['float64', 8], 12: ['time', 8],
  13: ['string', 4], 14: ['factor', 4], 15: ['bytes', 1], 16: ['tuple', 0],
};

const pad8 = (n: number): number => Math.ceil(n / 8) * 8;
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const INT64_MIN = -(2n ** 63n);

function fail(rule: string): never {
  throw new Error(rule);
}

function text(b: Uint8Array, from: number, len: number, what: string): string {
  if (from + len > b.length) fail(`${what} runs past its section`);
  try {
    return utf8.decode(b.subarray(from, from + len));
  } catch {
    return fail(`${what} is not valid UTF-8`);
  }
}

/** Reads `count` heap entries from `from`; they must end exactly at `end`. Returns [offset, text]. */
function entries(b: Uint8Array, v: DataView, from: number, end: number, count: number, what: string): [number, string][] {
  const out: [number, string][] = [];
  let p = from;
  for (let i = 0; i < count; i++) {
    if (p + 4 > end) fail(`${what} runs past its section`);
    const len = v.getUint32(p, true);
    if (p + 4 + len > end) fail(`${what} runs past its section`);
    out.push([p - from, text(b, p + 4, len, what)]);
    p += 4 + len;
  }
  if (p !== end) fail(`${what} section has trailing bytes`);
  return out;
}

function zeros(b: Uint8Array, from: number, to: number, what: string): void {
  for (let i = from; i < to; i++) if (b[i] !== 0) fail(`${what} padding is not zero`);
}

/** Reads one cell of a fixed-size type; returns the JS value, null for NA. */
function cell(type: string, b: Uint8Array, v: DataView, p: number): unknown {
  switch (type) {
    case 'bool': {
      const x = b[p]!;
      if (x > 1 && x !== 0xff) fail('cell value not allowed for the type');
      return x === 0xff ? null : x === 1;
    }
    case 'int8': return v.getInt8(p) === -128 ? null : v.getInt8(p);
    case 'int16': return v.getInt16(p, true) === -32768 ? null : v.getInt16(p, true);
    case 'int32': return v.getInt32(p, true) === -2147483648 ? null : v.getInt32(p, true);
    case 'int64':
    case 'time': return v.getBigInt64(p, true) === INT64_MIN ? null : v.getBigInt64(p, true);
    case 'uint8':
    case 'bytes': return b[p];
    case 'uint16': return v.getUint16(p, true);
    case 'uint32': return v.getUint32(p, true);
    case 'uint64': return v.getBigUint64(p, true);
    case 'float32': {
      const bits = v.getUint32(p, true);
      if (bits === 0x7f8007a2) return null;
      if ((bits & 0x7f800000) === 0x7f800000 && (bits & 0x7fffff) !== 0 && bits !== 0x7fc00000) fail('non-canonical NaN');
      return v.getFloat32(p, true);
    }
    default: {
      const bits = v.getBigUint64(p, true);
      if (bits === 0x7ff00000000007a2n) return null;
      const nan = (bits & 0x7ff0000000000000n) === 0x7ff0000000000000n && (bits & 0xfffffffffffffn) !== 0n;
      if (nan && bits !== 0x7ff8000000000000n) fail('non-canonical NaN');
      return v.getFloat64(p, true);
    }
  }
}

/** Reads and fully checks a block following the document; throws an Error naming the broken rule. */
export function referenceRead(b: Uint8Array, depth = 0): ReferenceBlock {
  if (depth > 32) fail('tuples nested too deeply');
  if (b.length < 96) fail('shorter than the 96-byte header');
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  if (b[0] !== 0x4b || b[1] !== 0x50 || b[2] !== 0x42 || b[3] !== 0x4b) fail('bad magic');
  if (b[4] !== 1) fail('unsupported format version');
  const known = TYPES[b[5]!];
  if (known === undefined) fail('unknown cell type code');
  const [type, size] = known;
  const rank = b[6]!;
  const flags = b[7]!;
  if (rank > 6) fail('rank above 6');
  if ((flags & 0x0c) !== 0) fail('unknown must-understand flag bits');
  if ((flags & 2) !== 0 && type !== 'factor') fail('ordered flag on a non-factor');
  if (v.getUint32(60, true) !== 0) fail('reserved header field is not zero');
  const total = v.getUint32(8, true);
  if (total > 2 ** 31 - 8) fail('total size above the limit');
  if (total !== b.length) fail('total size does not match the buffer');
  const dims = Array.from({ length: 6 }, (_, i) => v.getUint32(16 + 4 * i, true));
  if (dims.slice(rank).some((d) => d !== 0)) fail('dimension beyond the rank is not zero');
  const shape = dims.slice(0, rank);
  const count = shape.reduce((a, d) => a * d, 1);
  if (v.getUint32(12, true) !== count) fail('cell count is not the product of the dimensions');
  if (count === 0 && shape.filter((d) => d !== 0).reduce((a, d) => a * d, 1) > 65536) fail('an empty block has too large an extent');
  if (type === 'tuple' && rank !== 1) fail('a tuple must have rank 1');
  const dataBytes = v.getUint32(40, true);
  const heapBytes = v.getUint32(44, true);
  const levelCount = v.getUint32(48, true);
  const attrCount = v.getUint32(52, true);
  const attrBytes = v.getUint32(56, true);
  if (type !== 'factor' && levelCount !== 0) fail('level count on a non-factor');
  if (8 * attrCount > attrBytes) fail('attribute table larger than its section');
  const data = 96;
  const heap = data + pad8(dataBytes);
  const attrs = heap + pad8(heapBytes);
  if (attrs + pad8(attrBytes) !== total) fail('section sizes do not add up to the total size');
  if (type !== 'tuple' && dataBytes !== count * size) fail('data size does not match the cell count');
  zeros(b, data + dataBytes, heap, 'data');
  zeros(b, heap + heapBytes, attrs, 'heap');
  zeros(b, attrs + attrBytes, total, 'attribute');

  const out: ReferenceBlock = { type, shape, hasNA: (flags & 1) !== 0, ordered: (flags & 2) !== 0, cells: [], attributes: {}, hashOk: false };
  let anyNA = false;
  if (type === 'tuple') {
    const names = entries(b, v, heap, heap + heapBytes, count, 'tuple item name');
    if (16 * count > dataBytes) fail('tuple item table larger than the data section');
    out.items = [];
    let end = 16 * count;
    const seen = new Set<string>();
    for (let i = 0; i < count; i++) {
      const e = data + 16 * i;
      const [nameOffset, name] = names[i]!;
      if (v.getUint32(e, true) !== nameOffset) fail('tuple name offsets are not canonical');
      if (v.getUint32(e + 12, true) !== 0) fail('tuple entry reserved field is not zero');
      if (name === '') fail('tuple item name is empty');
      if (seen.has(name)) fail('tuple item names repeat');
      seen.add(name);
      const start = pad8(end);
      zeros(b, data + end, data + start, 'tuple item');
      if (v.getUint32(e + 4, true) !== start) fail('tuple item offsets are not canonical');
      const len = v.getUint32(e + 8, true);
      if (start + len > dataBytes) fail('tuple item runs past the data section');
      out.items.push({ name, block: referenceRead(b.subarray(data + start, data + start + len), depth + 1) });
      end = start + len;
    }
    if (end !== dataBytes) fail('tuple data section has trailing bytes');
  } else if (type === 'string') {
    if (heapBytes < 4 || v.getUint32(heap, true) !== 0) fail('string heap must open with a zero word');
    let next = 4;
    for (let i = 0; i < count; i++) {
      const off = v.getUint32(data + 4 * i, true);
      if (off === 0) {
        anyNA = true;
        out.cells.push(null);
        continue;
      }
      if (off !== next) fail('string offsets are not canonical');
      if (next + 4 > heapBytes) fail('string runs past the heap');
      const len = v.getUint32(heap + next, true);
      if (next + 4 + len > heapBytes) fail('string runs past the heap');
      out.cells.push(text(b, heap + next + 4, len, 'string'));
      next += 4 + len;
    }
    if (next !== heapBytes) fail('string heap has unreferenced bytes');
  } else if (type === 'factor') {
    const levels = entries(b, v, heap, heap + heapBytes, levelCount, 'factor level').map(([, l]) => l);
    // Compared as bytes: distinct JS strings are distinct UTF-8 byte strings (no normalisation).
    if (new Set(levels).size !== levels.length) fail('factor levels repeat');
    out.levels = levels;
    for (let i = 0; i < count; i++) {
      const c = v.getInt32(data + 4 * i, true);
      if (c === -2147483648) {
        anyNA = true;
        out.cells.push(null);
      } else if (c < 0 || c >= levelCount) {
        fail('factor code out of range');
      } else {
        out.cells.push(levels[c]);
      }
    }
  } else {
    if (heapBytes !== 0) fail('heap on a type without strings');
    for (let i = 0; i < count; i++) {
      const x = cell(type, b, v, data + i * size);
      if (x === null) anyNA = true;
      out.cells.push(x);
    }
  }
  if (anyNA !== out.hasNA) fail('has-NA flag does not match the cells');

  let p = attrs + 8 * attrCount;
  let last = 0;
  for (let i = 0; i < attrCount; i++) {
    const code = v.getUint32(attrs + 8 * i, true);
    const len = v.getUint32(attrs + 8 * i + 4, true);
    if (code < 1 || code > 2 ** 31 - 1) fail('attribute code out of range');
    if (code <= last) fail('attribute codes are not strictly ascending');
    last = code;
    if (p + len > attrs + attrBytes) fail('attribute value runs past its section');
    out.attributes[code] = text(b, p, len, 'attribute value');
    p += len;
  }
  if (p !== attrs + attrBytes) fail('attribute section has trailing bytes');

  const hash = createHash('sha256').update(b.subarray(0, 64)).update(b.subarray(96)).digest();
  out.hashOk = hash.equals(b.subarray(64, 96));
  // Items inside a tuple are complete blocks: their hash is part of their validity.
  if (!out.hashOk && depth > 0) fail('integrity hash does not match the contents');
  return out;
}
