/**
 * An independent block reader written only from docs/block-format.md (no imports from src/).
 * The golden-vector test checks that it agrees with the implementation, which keeps the
 * document precise enough for someone writing a reader in another language.
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
const text = (b: Uint8Array): string => new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(b);

function entry(b: Uint8Array, v: DataView, at: number): [string, number] {
  const len = v.getUint32(at, true);
  return [text(b.subarray(at + 4, at + 4 + len)), at + 4 + len];
}

/** Reads a block following the document; throws on anything the document forbids that it checks. */
export function referenceRead(b: Uint8Array): ReferenceBlock {
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  if (String.fromCharCode(...b.subarray(0, 4)) !== 'KPBK' || b[4] !== 1) throw new Error('magic/version');
  const [type, size] = TYPES[b[5]!] ?? (() => { throw new Error('type'); })();
  const rank = b[6]!;
  const flags = b[7]!;
  if (v.getUint32(8, true) !== b.length) throw new Error('total');
  const count = v.getUint32(12, true);
  const shape = Array.from({ length: rank }, (_, i) => v.getUint32(16 + 4 * i, true));
  const dataBytes = v.getUint32(40, true);
  const heapBytes = v.getUint32(44, true);
  const levelCount = v.getUint32(48, true);
  const attrCount = v.getUint32(52, true);
  const attrBytes = v.getUint32(56, true);
  const data = 96;
  const heap = data + pad8(dataBytes);
  const attrs = heap + pad8(heapBytes);
  if (attrs + pad8(attrBytes) !== b.length) throw new Error('sections');
  const hash = createHash('sha256').update(b.subarray(0, 64)).update(b.subarray(96)).digest();
  const out: ReferenceBlock = {
    type, shape, hasNA: (flags & 1) !== 0, ordered: (flags & 2) !== 0, cells: [], attributes: {},
    hashOk: hash.equals(b.subarray(64, 96)),
  };
  let at = attrs + 8 * attrCount;
  for (let i = 0; i < attrCount; i++) {
    const len = v.getUint32(attrs + 8 * i + 4, true);
    out.attributes[v.getUint32(attrs + 8 * i, true)] = text(b.subarray(at, at + len));
    at += len;
  }
  if (type === 'tuple') {
    out.items = [];
    for (let i = 0; i < count; i++) {
      const e = data + 16 * i;
      const [name] = entry(b, v, heap + v.getUint32(e, true));
      const off = data + v.getUint32(e + 4, true);
      out.items.push({ name, block: referenceRead(b.subarray(off, off + v.getUint32(e + 8, true))) });
    }
    return out;
  }
  if (type === 'factor') {
    out.levels = [];
    let p = heap;
    for (let i = 0; i < levelCount; i++) {
      const [label, next] = entry(b, v, p);
      out.levels.push(label);
      p = next;
    }
  }
  for (let i = 0; i < count; i++) {
    const p = data + i * size;
    switch (type) {
      case 'bool': out.cells.push(b[p] === 0xff ? null : b[p] === 1); break;
      case 'int8': out.cells.push(v.getInt8(p) === -128 ? null : v.getInt8(p)); break;
      case 'int16': out.cells.push(v.getInt16(p, true) === -32768 ? null : v.getInt16(p, true)); break;
      case 'int32': out.cells.push(v.getInt32(p, true) === -2147483648 ? null : v.getInt32(p, true)); break;
      case 'int64':
      case 'time': out.cells.push(v.getBigInt64(p, true) === -(2n ** 63n) ? null : v.getBigInt64(p, true)); break;
      case 'uint8':
      case 'bytes': out.cells.push(b[p]); break;
      case 'uint16': out.cells.push(v.getUint16(p, true)); break;
      case 'uint32': out.cells.push(v.getUint32(p, true)); break;
      case 'uint64': out.cells.push(v.getBigUint64(p, true)); break;
      case 'float32': out.cells.push(v.getUint32(p, true) === 0x7f8007a2 ? null : v.getFloat32(p, true)); break;
      case 'float64': out.cells.push(v.getBigUint64(p, true) === 0x7ff00000000007a2n ? null : v.getFloat64(p, true)); break;
      case 'string': {
        const off = v.getUint32(p, true);
        out.cells.push(off === 0 ? null : entry(b, v, heap + off)[0]);
        break;
      }
      case 'factor': {
        const code = v.getInt32(p, true);
        out.cells.push(code === -2147483648 ? null : out.levels![code]);
        break;
      }
    }
  }
  return out;
}
