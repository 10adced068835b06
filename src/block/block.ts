/**
 * A block: one immutable, contiguous, canonical byte buffer holding a typed tensor (or
 * strings, a factor, a file, a tuple of blocks) with its attributes and integrity hash.
 * A Block object is a thin view: accessors read the header lazily and cell reads return
 * typed arrays straight over the stored bytes.
 */
import { KeeprError } from '../errors.js';
import { isArray } from '../util/guards.js';
import { ATTR, attributeCode } from './attributes.js';
import { buildParts, type BlockInit, type CellValue } from './block-builder.js';
import { trustedHeader, validateBlock, type ValidHeader, type ValidateOptions } from './block-decoder.js';
import { encodeBlock } from './block-encoder.js';
import { inferInit, nestCells, type FromOptions } from './block-infer.js';
import { inspectBlock } from './block-inspect.js';
import { blockToJSON, formatTime, type BlockJSON } from './block-json.js';
import { NA_BOOL, NA_INT32, NA_INT64, cellTypeByCode, type CellArrayMap, type CellType, type CellTypeInfo } from './cell-type.js';
import { scanCells } from './cells.js';
import { FLAG_HAS_NA, FLAG_ORDERED, HASH_BYTES, HASH_OFFSET, HEADER_BYTES, MAGIC, OFF, TUPLE_ENTRY_BYTES, computeHash, viewOf } from './layout.js';

const utf8 = new TextDecoder('utf-8', { ignoreBOM: true });

/** The typed array of a cell type's cells (never for strings and tuples). */
export type CellArrayOf<T extends CellType> = T extends keyof CellArrayMap ? (T extends 'string' ? never : CellArrayMap[T]) : never;

/** What a single cell reads as in JS. */
export type CellOf<T extends CellType> = T extends 'bool'
  ? boolean | null
  : T extends 'int64' | 'uint64' | 'time'
    ? bigint | null
    : T extends 'string' | 'factor'
      ? string | null
      : T extends 'tuple'
        ? Block
        : number | null;

/** Plain JS form of a block's contents (see {@link Block.toJS}). */
export type BlockJS = CellValue | Uint8Array | BlockJS[] | { [name: string]: BlockJS };

/** An immutable typed data block over canonical bytes. */
export class Block<T extends CellType = CellType> {
  /** The canonical bytes. Treat them as read-only: changing them breaks the hash. */
  readonly bytes: Uint8Array;
  #header: ValidHeader | undefined;
  #hashHex: string | undefined;

  private constructor(bytes: Uint8Array, header: ValidHeader | undefined) {
    this.bytes = bytes;
    this.#header = header;
  }

  /** Validates untrusted bytes (every field, and the hash unless disabled) and wraps them. */
  static decode(bytes: Uint8Array, options?: ValidateOptions): Block {
    return new Block(bytes, validateBlock(bytes, options));
  }

  /**
   * Wraps bytes that came from keepr's own storage without re-validating them (only the magic
   * and length are checked). Use {@link decode} for anything that crossed a trust boundary.
   */
  static fromTrusted(bytes: Uint8Array): Block {
    // Enough to make every fast accessor safe; the full header is parsed only when needed.
    if (bytes.length < HEADER_BYTES || bytes[0] !== MAGIC[0] || bytes[3] !== MAGIC[3] || u32(bytes, OFF.totalBytes) !== bytes.length || cellTypeByCode(bytes[OFF.cellType]!) === undefined) {
      throw new KeeprError('BLOCK_MALFORMED', 'stored bytes are not a block', { details: { reason: 'not a block' } });
    }
    return new Block(bytes, undefined);
  }

  /** Builds a block from a full description. */
  static create<U extends CellType>(init: BlockInit & { readonly type: U }): Block<U> {
    const bytes = encodeBlock(buildParts(init));
    return new Block<U>(bytes, undefined);
  }

  /** Builds a block from a plain JS value, inferring cell type and shape. */
  static from(value: unknown, options?: FromOptions): Block {
    if (value instanceof Block) return value as Block;
    return Block.create(inferInit(value, options));
  }

  /** A file block: the bytes as-is, with a MIME type and optional attributes (url, filename...). */
  static file(content: Uint8Array, mime: string, attributes: Readonly<Record<string, string>> = {}): Block<'bytes'> {
    if (!(content instanceof Uint8Array)) throw new KeeprError('BLOCK_INVALID', 'file content must be a Uint8Array');
    return Block.create({ type: 'bytes', data: content, attributes: { ...attributes, mime } });
  }

  /** A tuple of named blocks, in the given order. */
  static tuple(items: Readonly<Record<string, Block>> | readonly (readonly [string, Block])[], attributes?: Readonly<Record<string, string>>): Block<'tuple'> {
    const pairs: readonly (readonly [string, unknown])[] = isArray(items) ? items : Object.entries(items);
    const encoded = pairs.map(([name, b]) => {
      if (!(b instanceof Block)) throw new KeeprError('BLOCK_INVALID', `tuple item ${JSON.stringify(name)} is not a Block`);
      return [name, (b as Block).bytes] as const;
    });
    return Block.create({ type: 'tuple', items: encoded, attributes });
  }

  // The full header, for heap and attribute access. The hot accessors below read the few fixed
  // fields they need straight from the bytes instead, so a read of a block allocates nothing.
  get #h(): ValidHeader {
    return (this.#header ??= trustedHeader(this.bytes));
  }

  get #info(): CellTypeInfo {
    return cellTypeByCode(this.bytes[OFF.cellType]!)!;
  }

  /** Cell type name. */
  get type(): T {
    return this.#info.name as T;
  }

  /** Number of dimensions (0 to 6). */
  get rank(): number {
    return this.bytes[OFF.rank]!;
  }

  /** Dimensions, outermost first. */
  get shape(): number[] {
    const shape: number[] = [];
    for (let i = 0; i < this.rank; i++) shape.push(u32(this.bytes, OFF.dims + 4 * i));
    return shape;
  }

  /** Number of cells (items, for a tuple). */
  get size(): number {
    return u32(this.bytes, OFF.cellCount);
  }

  /** Whether any cell is NA. */
  get hasNA(): boolean {
    return (this.bytes[OFF.flags]! & FLAG_HAS_NA) !== 0;
  }

  /** Factor: whether the level order is meaningful. */
  get ordered(): boolean {
    return (this.bytes[OFF.flags]! & FLAG_ORDERED) !== 0;
  }

  /** Total size in bytes. */
  get byteLength(): number {
    return this.bytes.length;
  }

  /** The 32-byte SHA-256 integrity hash stored in the block (a view; do not modify). */
  get hash(): Uint8Array {
    return this.bytes.subarray(HASH_OFFSET, HASH_OFFSET + HASH_BYTES);
  }

  /** The integrity hash as lower-case hex. */
  get hashHex(): string {
    // Memoised: ETags and listings ask for it repeatedly, and the bytes never change.
    // Bytes read from a store are usually a Buffer already: no view to make then.
    const bytes = this.bytes;
    return (this.#hashHex ??= (bytes instanceof Buffer ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)).toString('hex', HASH_OFFSET, HASH_OFFSET + HASH_BYTES));
  }

  /** True when the stored hash matches the contents. */
  verify(): boolean {
    const h = computeHash(this.bytes);
    return Buffer.compare(h, this.hash) === 0;
  }

  /** True when both blocks have identical bytes. */
  equals(other: Block): boolean {
    return Buffer.compare(this.bytes, other.bytes) === 0;
  }

  /** All attributes, in code order. */
  get attributes(): Map<number, string> {
    const { attrs } = this.#h.sections;
    const view = viewOf(this.bytes);
    const out = new Map<number, string>();
    let at = attrs + 8 * this.#h.attrCount;
    for (let i = 0; i < this.#h.attrCount; i++) {
      const len = view.getUint32(attrs + 8 * i + 4, true);
      out.set(view.getUint32(attrs + 8 * i, true), utf8.decode(this.bytes.subarray(at, at + len)));
      at += len;
    }
    return out;
  }

  /** One attribute by code or well-known name (`mime`, `url`, `language`, `kind`, `filename`). */
  attribute(key: number | string): string | undefined {
    return this.attributes.get(attributeCode(key));
  }

  /** The MIME type attribute. */
  get mime(): string | undefined {
    return this.attribute(ATTR.MIME);
  }

  /** The URL attribute. */
  get url(): string | undefined {
    return this.attribute(ATTR.URL);
  }

  /** The language attribute. */
  get language(): string | undefined {
    return this.attribute(ATTR.LANGUAGE);
  }

  /** True when the block is of cell type `type` (narrows the type). */
  is<U extends CellType>(type: U): this is Block<U> {
    return this.#info.name === type;
  }

  /**
   * The cells as a typed array straight over the stored bytes (zero-copy when the block sits at
   * an 8-aligned offset, as blocks keepr allocates do; otherwise over one aligned copy).
   * Factors give their int32 codes, bools their bytes (0, 1, 255 = NA), bytes their content.
   */
  values(): CellArrayOf<T> {
    const t = this.#info;
    if (t.array === undefined || t.name === 'string') {
      throw new KeeprError('BLOCK_TYPE_MISMATCH', `a ${t.name} block has no typed cell array`, { details: { type: t.name } });
    }
    const offset = this.bytes.byteOffset + HEADER_BYTES;
    const count = this.size;
    if (offset % t.size === 0) return new t.array(this.bytes.buffer, offset, count) as CellArrayOf<T>;
    // Copy into a fresh, aligned buffer (Buffer#slice would give a view at the same offset).
    const copy = new Uint8Array(this.data());
    return new t.array(copy.buffer, 0, count) as CellArrayOf<T>;
  }

  /** The raw data section (for a bytes block: the file content), as a view. */
  data(): Uint8Array {
    return this.bytes.subarray(HEADER_BYTES, HEADER_BYTES + u32(this.bytes, OFF.dataBytes));
  }

  /** True when cell `index` (row-major) is NA. */
  isNA(index: number): boolean {
    this.#checkIndex(index);
    const t = this.#info;
    if (!t.hasNA || !this.hasNA) return false;
    return scanCells(t, this.bytes, HEADER_BYTES + index * t.size, 1) === true;
  }

  /** Factor level labels, in level order. */
  levels(): string[] {
    this.#expect('factor');
    return this.#entries(this.#h.levelCount);
  }

  /** String cells (strings) or factor labels (factors), null for NA. */
  strings(): (string | null)[] {
    const out: (string | null)[] = [];
    if (this.#h.type.name === 'factor') {
      const levels = this.levels();
      const codes = this.values() as Int32Array;
      for (const code of codes) out.push(code === NA_INT32 ? null : (levels[code] ?? null));
      return out;
    }
    for (let i = 0; i < this.size; i++) out.push(this.#stringAt(i));
    return out;
  }

  /** Tuple items by name, in order. */
  items(): Map<string, Block> {
    this.#expect('tuple');
    const names = this.#entries(this.size);
    const view = viewOf(this.bytes);
    const { data } = this.#h.sections;
    const out = new Map<string, Block>();
    names.forEach((name, i) => {
      const entry = data + TUPLE_ENTRY_BYTES * i;
      const off = data + view.getUint32(entry + 4, true);
      out.set(name, Block.fromTrusted(this.bytes.subarray(off, off + view.getUint32(entry + 8, true))));
    });
    return out;
  }

  /** One cell as JS (row-major flat index): number, bigint, boolean, string, null (NA), or a Block. */
  get(index: number): CellOf<T> {
    this.#checkIndex(index);
    const t = this.#info;
    if (t.name === 'tuple') return [...this.items().values()][index] as CellOf<T>;
    if (t.name === 'string' || t.name === 'factor') return this.#stringAt(index) as CellOf<T>;
    if (this.isNA(index)) return null as CellOf<T>;
    const view = viewOf(this.bytes);
    const at = HEADER_BYTES + index * t.size;
    switch (t.name) {
      case 'bool':
        return (view.getUint8(at) === 1) as CellOf<T>;
      case 'int8':
        return view.getInt8(at) as CellOf<T>;
      case 'int16':
        return view.getInt16(at, true) as CellOf<T>;
      case 'int32':
        return view.getInt32(at, true) as CellOf<T>;
      case 'int64':
      case 'time':
        return view.getBigInt64(at, true) as CellOf<T>;
      case 'uint8':
      case 'bytes':
        return view.getUint8(at) as CellOf<T>;
      case 'uint16':
        return view.getUint16(at, true) as CellOf<T>;
      case 'uint32':
        return view.getUint32(at, true) as CellOf<T>;
      case 'uint64':
        return view.getBigUint64(at, true) as CellOf<T>;
      case 'float32':
        return view.getFloat32(at, true) as CellOf<T>;
      default:
        return view.getFloat64(at, true) as CellOf<T>;
    }
  }

  /**
   * The contents as plain JS: a scalar for rank 0, else nested arrays following the shape
   * (null for NA, bigint for 64-bit and time cells). Bytes blocks give a Uint8Array copy of
   * their content; tuples give an object of their items' JS forms.
   */
  toJS(): BlockJS {
    const t = this.#h.type.name;
    if (t === 'bytes') return new Uint8Array(this.data());
    if (t === 'tuple') {
      const out: Record<string, BlockJS> = {};
      for (const [name, item] of this.items()) out[name] = item.toJS();
      return out;
    }
    const flat: CellValue[] = t === 'string' || t === 'factor' ? this.strings() : Array.from({ length: this.size }, (_, i) => this.get(i) as CellValue);
    return nestCells(flat, this.shape);
  }

  /**
   * Time cells as Dates (null for NA), floored to the millisecond; a time outside the range a
   * Date can hold (±8.64e15 ms) gives an Invalid Date. {@link isoTimes} keeps the microseconds.
   */
  dates(): (Date | null)[] {
    return this.#times((us) => new Date(Number(us / 1000n - (us % 1000n < 0n ? 1n : 0n))));
  }

  /** Time cells as ISO-8601 UTC text with six fractional digits (as in the JSON view), null for NA. */
  isoTimes(): (string | null)[] {
    return this.#times(formatTime);
  }

  /** The JSON view (`docs/block-format.md`), so `JSON.stringify(block)` gives readable, lossless JSON. */
  toJSON(): BlockJSON {
    return blockToJSON(this);
  }

  /** The short summary `console.log(block)` and `util.inspect` print instead of the raw bytes. */
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return inspectBlock(this);
  }

  /** True when `value` carries the bool NA byte (for use on `values()` of bool blocks). */
  static isBoolNA(value: number): boolean {
    return value === NA_BOOL;
  }

  #expect(type: CellType): void {
    if (this.#h.type.name !== type) {
      throw new KeeprError('BLOCK_TYPE_MISMATCH', `this is a ${this.#h.type.name} block, not a ${type} block`, { details: { type: this.#h.type.name } });
    }
  }

  #times<R>(convert: (us: bigint) => R): (R | null)[] {
    this.#expect('time');
    const out: (R | null)[] = [];
    for (const us of this.values() as BigInt64Array) out.push(us === NA_INT64 ? null : convert(us));
    return out;
  }

  #checkIndex(index: number): void {
    if (!Number.isInteger(index) || index < 0 || index >= this.size) {
      throw new KeeprError('ARGUMENT_INVALID', `cell index ${index} is outside 0..${this.size - 1}`, { details: { index } });
    }
  }

  /** Decodes `count` length-prefixed heap entries. */
  #entries(count: number): string[] {
    const view = viewOf(this.bytes);
    const out: string[] = [];
    let at = this.#h.sections.heap;
    for (let i = 0; i < count; i++) {
      const len = view.getUint32(at, true);
      out.push(utf8.decode(this.bytes.subarray(at + 4, at + 4 + len)));
      at += 4 + len;
    }
    return out;
  }

  #stringAt(index: number): string | null {
    const t = this.#h.type.name;
    const view = viewOf(this.bytes);
    const cell = view.getInt32(this.#h.sections.data + 4 * index, true);
    if (t === 'factor') return cell === NA_INT32 ? null : (this.levels()[cell] ?? null);
    if (t !== 'string') this.#expect('string');
    if (cell === 0) return null;
    const at = this.#h.sections.heap + (cell >>> 0);
    return utf8.decode(this.bytes.subarray(at + 4, at + 4 + view.getUint32(at, true)));
  }
}

/** A little-endian u32 at `at`. */
function u32(bytes: Uint8Array, at: number): number {
  return (bytes[at]! | (bytes[at + 1]! << 8) | (bytes[at + 2]! << 16) | (bytes[at + 3]! << 24)) >>> 0;
}
