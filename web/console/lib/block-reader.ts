/**
 * Reads the keepr binary block format (docs/block-format.md) in the browser: the header, the
 * attributes, NA cells, string heaps, factor levels and tuple items. The console fetches blocks
 * in this form because it is compact (a 1024×1024 float64 block is 8 MiB, its JSON view three
 * times that) and its cells wrap as typed arrays without parsing.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { hex } from './format.js';

/** Cell type names by code (docs/block-format.md#cell-types). */
const TYPES = ['', 'bool', 'int8', 'int16', 'int32', 'int64', 'uint8', 'uint16', 'uint32', 'uint64', 'float32', 'float64', 'time', 'string', 'factor', 'bytes', 'tuple'] as const;

/** A cell type name. */
export type CellTypeName = Exclude<(typeof TYPES)[number], ''>;

const CELL_BYTES: Record<CellTypeName, number> = {
  bool: 1, int8: 1, int16: 2, int32: 4, int64: 8, uint8: 1, uint16: 2, uint32: 4, uint64: 8,
  float32: 4, float64: 8, time: 8, string: 4, factor: 4, bytes: 1, tuple: 0,
};

const ATTRIBUTE_NAMES: Record<number, string> = { 1: 'kind', 2: 'mime', 3: 'url', 4: 'language', 5: 'filename' };

/** The cell types whose cells are numbers (heatmaps and pictures take these). */
export const NUMERIC_TYPES: ReadonlySet<CellTypeName> = new Set(['int8', 'int16', 'int32', 'int64', 'uint8', 'uint16', 'uint32', 'uint64', 'float32', 'float64']);

const HEADER = 96;
const pad8 = (n: number): number => Math.ceil(n / 8) * 8;
const INT64_MIN = -(2n ** 63n);
const utf8 = new TextDecoder('utf-8', { fatal: true });

/** A block read from its bytes; cells are read lazily from the data section. */
export class BlockReader {
  readonly type: CellTypeName;
  readonly shape: readonly number[];
  readonly size: number;
  readonly hasNA: boolean;
  readonly ordered: boolean;
  /** SHA-256 of the block as stored in its header, 64 hex digits. */
  readonly hash: string;
  /** Attributes by well-known name (`mime`, `kind`, …) or decimal code. */
  readonly attributes: Readonly<Record<string, string>>;
  readonly #bytes: Uint8Array<ArrayBuffer>;
  readonly #view: DataView;
  readonly #dataBytes: number;
  readonly #heap: number;
  readonly #levelCount: number;
  #levels: string[] | undefined;

  /** Reads `bytes` (the whole block); throws when they are not a version-1 block. */
  constructor(bytes: Uint8Array<ArrayBuffer>) {
    if (bytes.length < HEADER || bytes[0] !== 0x4b || bytes[1] !== 0x50 || bytes[2] !== 0x42 || bytes[3] !== 0x4b) throw new Error('not a keepr block (bad magic)');
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const type = TYPES[bytes[5]!];
    if (bytes[4] !== 1 || type === undefined || type === '') throw new Error(`unknown block version ${bytes[4]} or cell type ${bytes[5]}`);
    if (view.getUint32(8, true) !== bytes.length) throw new Error('block length does not match its header');
    this.#bytes = bytes;
    this.#view = view;
    this.type = type;
    const rank = bytes[6]!;
    this.shape = Array.from({ length: rank }, (_, i) => view.getUint32(16 + 4 * i, true));
    this.size = view.getUint32(12, true);
    this.hasNA = (bytes[7]! & 1) !== 0;
    this.ordered = (bytes[7]! & 2) !== 0;
    this.hash = hex(bytes.subarray(64, 96));
    this.#dataBytes = view.getUint32(40, true);
    this.#heap = HEADER + pad8(this.#dataBytes);
    const heapBytes = view.getUint32(44, true);
    this.#levelCount = view.getUint32(48, true);
    const attrs: Record<string, string> = {};
    const attrCount = view.getUint32(52, true);
    let at = this.#heap + pad8(heapBytes);
    let value = at + 8 * attrCount;
    for (let i = 0; i < attrCount; i++, at += 8) {
      const code = view.getUint32(at, true);
      const length = view.getUint32(at + 4, true);
      attrs[ATTRIBUTE_NAMES[code] ?? String(code)] = utf8.decode(bytes.subarray(value, value + length));
      value += length;
    }
    this.attributes = attrs;
  }

  /** Length of the block in bytes. */
  get byteLength(): number {
    return this.#bytes.length;
  }

  /** True when the stored hash is the SHA-256 of the block (bytes [0, 64) then [96, end)). */
  verify(): boolean {
    const h = sha256.create();
    h.update(this.#bytes.subarray(0, 64));
    h.update(this.#bytes.subarray(HEADER));
    return hex(h.digest()) === this.hash;
  }

  /** The data section: a file's content, or the raw cells. */
  data(): Uint8Array<ArrayBuffer> {
    return this.#bytes.subarray(HEADER, HEADER + this.#dataBytes);
  }

  /** Numeric cells as numbers (int64 and uint64 rounded), NaN for NA; null for other types. */
  numbers(): Float64Array | null {
    if (!NUMERIC_TYPES.has(this.type)) return null;
    const out = new Float64Array(this.size);
    if (this.type === 'float64' && this.#bytes.byteOffset % 8 === 0) {
      out.set(new Float64Array(this.#bytes.buffer, this.#bytes.byteOffset + HEADER, this.size));
      return out; // NA is a NaN already
    }
    for (let i = 0; i < this.size; i++) {
      const v = this.#raw(i);
      out[i] = this.isNA(i) ? NaN : Number(v);
    }
    return out;
  }

  /** True when cell `i` (row-major) is NA. */
  isNA(i: number): boolean {
    if (!this.hasNA) return false;
    const at = HEADER + i * CELL_BYTES[this.type];
    const v = this.#view;
    switch (this.type) {
      case 'bool':
        return v.getUint8(at) === 0xff;
      case 'int8':
        return v.getInt8(at) === -128;
      case 'int16':
        return v.getInt16(at, true) === -32768;
      case 'int32':
      case 'factor':
        return v.getInt32(at, true) === -2147483648;
      case 'int64':
      case 'time':
        return v.getBigInt64(at, true) === INT64_MIN;
      case 'float32':
        return v.getUint32(at, true) === 0x7f8007a2;
      case 'float64':
        return v.getUint32(at + 4, true) === 0x7ff00000 && v.getUint32(at, true) === 0x7a2;
      case 'string':
        return v.getUint32(at, true) === 0;
      default:
        return false;
    }
  }

  #raw(i: number): number | bigint {
    const at = HEADER + i * CELL_BYTES[this.type];
    const v = this.#view;
    switch (this.type) {
      case 'bool':
      case 'uint8':
      case 'bytes':
        return v.getUint8(at);
      case 'int8':
        return v.getInt8(at);
      case 'int16':
        return v.getInt16(at, true);
      case 'uint16':
        return v.getUint16(at, true);
      case 'int32':
      case 'factor':
        return v.getInt32(at, true);
      case 'uint32':
      case 'string':
        return v.getUint32(at, true);
      case 'int64':
      case 'time':
        return v.getBigInt64(at, true);
      case 'uint64':
        return v.getBigUint64(at, true);
      case 'float32':
        return v.getFloat32(at, true);
      default:
        return v.getFloat64(at, true);
    }
  }

  /** Cell `i` as the console shows it: null for NA, else text (labels, ISO times, true/false). */
  text(i: number, formatTime: (us: bigint) => string): string | null {
    if (this.isNA(i)) return null;
    const raw = this.#raw(i);
    switch (this.type) {
      case 'bool':
        return raw === 1 ? 'true' : 'false';
      case 'time':
        return formatTime(raw as bigint);
      case 'factor':
        return this.levels()[Number(raw)] ?? '?';
      case 'string':
        return this.#entry(Number(raw));
      case 'float32':
        return String(Math.fround(Number(raw)));
      default:
        return String(raw);
    }
  }

  /** Factor labels in level order (empty for other types). */
  levels(): string[] {
    if (this.#levels !== undefined) return this.#levels;
    const out: string[] = [];
    let at = 0;
    for (let i = 0; i < this.#levelCount; i++) {
      out.push(this.#entry(at));
      at += 4 + this.#view.getUint32(this.#heap + at, true);
    }
    return (this.#levels = out);
  }

  #entry(offset: number): string {
    const at = this.#heap + offset;
    return utf8.decode(this.#bytes.subarray(at + 4, at + 4 + this.#view.getUint32(at, true)));
  }

  /** A tuple's items in order, each a block of its own (empty for other types). */
  items(): { name: string; block: BlockReader }[] {
    if (this.type !== 'tuple') return [];
    const out: { name: string; block: BlockReader }[] = [];
    for (let i = 0; i < this.size; i++) {
      const entry = HEADER + 16 * i;
      const start = HEADER + this.#view.getUint32(entry + 4, true);
      const length = this.#view.getUint32(entry + 8, true);
      out.push({ name: this.#entry(this.#view.getUint32(entry, true)), block: new BlockReader(this.#bytes.subarray(start, start + length)) });
    }
    return out;
  }
}
