/**
 * Turns caller-supplied values (typed arrays, plain arrays, strings, labels) into the
 * normalised parts the encoder writes. Every rule a caller can break is checked here and
 * reported as a typed error before any bytes are produced.
 */
import { KeeprError } from '../errors.js';
import { normalizeAttributes, type AttributesInit } from './attributes.js';
import type { EncodeParts, EncodedItem } from './block-encoder.js';
import { MAX_RANK, NA_BOOL, NA_INT16, NA_INT32, NA_INT64, NA_INT8, cellType, type CellType, type CellTypeInfo } from './cell-type.js';
import { canonicalizeNaNs, hasLoneSurrogate, isNAFloat64, setCanonicalNaNAt, setNAFloat64At } from './cells.js';
import { MAX_EMPTY_EXTENT } from './layout.js';
import { isArray, isObject } from '../util/guards.js';
import { flattenNested } from './block-infer.js';
import { NA_FLOAT32_BITS } from './cell-type.js';

/** A single cell value as plain JS: null is NA. */
export type CellValue = number | bigint | boolean | string | Date | null;

/** Cells as nested arrays, one level per dimension (rectangular; the nesting gives the shape). */
export type NestedCells = readonly (CellValue | NestedCells)[];

/** Anything a block's cells can be built from. */
export type CellData = ArrayLike<CellValue> | ArrayBufferView | NestedCells;

/** A full description of a block to build. */
export interface BlockInit {
  /** Cell type name. */
  readonly type: CellType;
  /** Dimensions (rank 0 to 6); defaults to `[data.length]`, or the nesting of nested `data`. */
  readonly shape?: readonly number[];
  /**
   * Cells in row-major order: a typed array of the type's own kind, or plain values (null = NA),
   * or nested arrays whose nesting is the shape (it must match `shape` when both are given).
   */
  readonly data?: CellData;
  /** Factor level labels, in level order. Defaults to the sorted distinct labels of `data`. */
  readonly levels?: readonly string[];
  /** Factor: whether the level order is meaningful (an ordinal scale). */
  readonly ordered?: boolean;
  /** Tuple items in order: name and the item's block bytes. */
  readonly items?: readonly (readonly [string, Uint8Array])[];
  /** Attributes: codes or well-known names to strings. */
  readonly attributes?: AttributesInit;
}

const encoder = new TextEncoder();

function invalid(message: string, details: Record<string, unknown> = {}): KeeprError {
  return new KeeprError('BLOCK_INVALID', message, { details });
}

/** Encodes a string as UTF-8, refusing lone surrogates (they have no canonical UTF-8 form). */
export function utf8Strict(text: string, what: string): Uint8Array {
  if (hasLoneSurrogate(text)) throw new KeeprError('BLOCK_STRING_INVALID', `${what} holds a lone UTF-16 surrogate`);
  return encoder.encode(text);
}

/** Checks a shape and returns it with its cell count. */
export function checkShape(shape: readonly number[]): number {
  if (!isArray(shape)) throw invalid('shape must be an array of integers');
  if (shape.length > MAX_RANK) throw new KeeprError('BLOCK_RANK_EXCEEDED', `rank ${shape.length} is above ${MAX_RANK}`, { details: { rank: shape.length } });
  let count = 1;
  let extent = 1;
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0 || d > 0xffffffff) throw invalid('dimensions must be integers from 0 to 2^32-1', { shape: [...shape] });
    count *= d;
    if (d !== 0) extent *= d;
  }
  if (count > 0xffffffff) throw new KeeprError('BLOCK_TOO_LARGE', 'more than 2^32-1 cells', { details: { shape: [...shape] } });
  if (count === 0 && extent > MAX_EMPTY_EXTENT) {
    throw invalid(`an empty block's non-zero dimensions may multiply to at most ${MAX_EMPTY_EXTENT}`, { shape: [...shape] });
  }
  return count;
}

function dataLength(data: CellData | undefined): number {
  if (data === undefined) return 0;
  if (ArrayBuffer.isView(data) && !(data instanceof DataView)) return (data as unknown as ArrayLike<unknown>).length;
  if (data instanceof DataView) throw invalid('data cannot be a DataView; pass a typed array');
  if (typeof data !== 'object' || typeof (data as ArrayLike<unknown>).length !== 'number') throw invalid('data must be an array or a typed array');
  return data.length;
}

function asValues(data: CellData | undefined): ArrayLike<CellValue> {
  return (data ?? []) as ArrayLike<CellValue>;
}

/** Copies a typed array of exactly the type's own kind as raw cell bytes; undefined otherwise. */
function rawCells(type: CellTypeInfo, data: CellData | undefined): Uint8Array | undefined {
  if (data === undefined || !ArrayBuffer.isView(data) || type.array === undefined) return undefined;
  const sameKind = data.constructor === type.array || (type.array === Uint8Array && data instanceof Uint8Array);
  if (!sameKind) return undefined;
  const out = new Uint8Array(data.buffer, data.byteOffset, data.byteLength).slice();
  // Canonical means bit-level: every NaN that is not NA becomes the one quiet NaN.
  if (type.name === 'float32' || type.name === 'float64') canonicalizeNaNs(type, out);
  return out;
}

/** The NA sentinel of an integer type, refused as data: NA is written as null. */
function sentinelOf(name: CellType): number | undefined {
  return name === 'int8' ? NA_INT8 : name === 'int16' ? NA_INT16 : name === 'int32' ? NA_INT32 : undefined;
}

function intRange(name: CellType): [number, number] {
  switch (name) {
    case 'int8':
      return [-0x80, 0x7f];
    case 'int16':
      return [-0x8000, 0x7fff];
    case 'int32':
      return [-0x80000000, 0x7fffffff];
    case 'uint8':
    case 'bytes':
      return [0, 0xff];
    case 'uint16':
      return [0, 0xffff];
    default:
      return [0, 0xffffffff];
  }
}

function toBigInt(type: CellTypeInfo, v: CellValue, i: number): bigint {
  let b: bigint;
  if (typeof v === 'bigint') b = v;
  else if (typeof v === 'number' && Number.isSafeInteger(v)) b = BigInt(v);
  else if (type.name === 'time' && v instanceof Date && !Number.isNaN(v.getTime())) b = BigInt(v.getTime()) * 1000n;
  else throw invalid(`cell ${i} of a ${type.name} block must be a bigint or a safe integer${type.name === 'time' ? ' (microseconds) or a Date' : ''}`, { cell: i });
  const [lo, hi] = type.name === 'uint64' ? [0n, 2n ** 64n - 1n] : [NA_INT64, 2n ** 63n - 1n];
  if (b < lo || b > hi) throw invalid(`cell ${i} is out of range for ${type.name}`, { cell: i });
  if (b === NA_INT64 && type.name !== 'uint64') throw naAsData(type.name, i);
  return b;
}

function naAsData(name: CellType, i: number): KeeprError {
  return invalid(`cell ${i} holds the ${name} NA sentinel as a value; write NA as null`, { cell: i });
}

/** Converts plain values into little-endian cell bytes of a fixed-size type. */
function packCells(type: CellTypeInfo, values: ArrayLike<CellValue>, count: number): Uint8Array {
  const out = new Uint8Array(count * type.size);
  const view = new DataView(out.buffer);
  for (let i = 0; i < count; i++) {
    const v = values[i] ?? null;
    const at = i * type.size;
    if (v === null) {
      if (!type.hasNA) throw invalid(`${type.name} cells have no NA (cell ${i} is null)`, { cell: i });
      switch (type.name) {
        case 'bool': view.setUint8(at, NA_BOOL); break;
        case 'int8': view.setInt8(at, -0x80); break;
        case 'int16': view.setInt16(at, -0x8000, true); break;
        case 'int32': view.setInt32(at, NA_INT32, true); break;
        case 'float32': view.setUint32(at, NA_FLOAT32_BITS, true); break;
        case 'float64': setNAFloat64At(view, at); break;
        default: view.setBigInt64(at, NA_INT64, true); // int64, time
      }
      continue;
    }
    switch (type.name) {
      case 'bool':
        if (typeof v !== 'boolean') throw invalid(`cell ${i} of a bool block must be a boolean or null`, { cell: i });
        view.setUint8(at, v ? 1 : 0);
        break;
      case 'float32':
      case 'float64':
        if (typeof v !== 'number') throw invalid(`cell ${i} of a ${type.name} block must be a number or null`, { cell: i });
        if (isNAFloat64(v)) {
          // A NaN carrying the NA payload (read from a typed array of a block) is NA.
          if (type.name === 'float32') view.setUint32(at, NA_FLOAT32_BITS, true);
          else setNAFloat64At(view, at);
        } else if (Number.isNaN(v)) {
          setCanonicalNaNAt(type, view, at);
        } else if (type.name === 'float32') {
          if (Number.isFinite(v) && !Number.isFinite(Math.fround(v))) throw invalid(`cell ${i} (${v}) overflows float32`, { cell: i });
          view.setFloat32(at, v, true);
        } else {
          view.setFloat64(at, v, true);
        }
        break;
      case 'int64':
      case 'time':
        view.setBigInt64(at, toBigInt(type, v, i), true);
        break;
      case 'uint64':
        view.setBigUint64(at, toBigInt(type, v, i), true);
        break;
      default: {
        const [lo, hi] = intRange(type.name);
        if (typeof v !== 'number' || !Number.isInteger(v) || v < lo || v > hi) {
          throw invalid(`cell ${i} of a ${type.name} block must be an integer from ${lo} to ${hi}`, { cell: i });
        }
        if (v === sentinelOf(type.name)) throw naAsData(type.name, i);
        if (type.size === 1) view.setUint8(at, v & 0xff);
        else if (type.size === 2) view.setUint16(at, v & 0xffff, true);
        else view.setUint32(at, v >>> 0, true);
      }
    }
  }
  return out;
}

function stringCells(values: ArrayLike<CellValue>, count: number): (Uint8Array | null)[] {
  const out: (Uint8Array | null)[] = [];
  for (let i = 0; i < count; i++) {
    const v = values[i] ?? null;
    if (v === null) out.push(null);
    else if (typeof v === 'string') out.push(utf8Strict(v, `cell ${i}`));
    else throw invalid(`cell ${i} of a string block must be a string or null`, { cell: i });
  }
  return out;
}

function factorParts(init: BlockInit, count: number): { cells: Uint8Array; levels: Uint8Array[] } {
  const values = asValues(init.data);
  const labelsGiven = count > 0 && !ArrayBuffer.isView(init.data) && Array.from({ length: count }, (_, i) => values[i]).some((v) => typeof v === 'string');
  let levels: string[];
  if (init.levels !== undefined) {
    const given: unknown = init.levels;
    if (!isArray(given) || given.some((l) => typeof l !== 'string')) throw invalid('levels must be an array of strings');
    levels = [...(given as readonly string[])];
  } else if (labelsGiven) {
    // Sorted by UTF-8 bytes (= code point order), the order a reader in any language gets.
    const distinct = [...new Set(Array.from({ length: count }, (_, i) => values[i]).filter((v): v is string => typeof v === 'string'))];
    levels = distinct.sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  } else {
    levels = [];
  }
  if (new Set(levels).size !== levels.length) throw invalid('factor levels must be distinct');
  const index = new Map(levels.map((l, i) => [l, i]));
  const codes = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    const v = values[i] ?? null;
    let code: number | undefined;
    if (v === null) code = NA_INT32;
    else if (typeof v === 'string') code = index.get(v);
    else if (typeof v === 'number' && Number.isInteger(v) && v >= 0 && v < levels.length) code = v;
    if (code === undefined) throw invalid(`cell ${i} is not a level label or code of this factor`, { cell: i });
    codes[i] = code;
  }
  return { cells: new Uint8Array(codes.buffer), levels: levels.map((l, i) => utf8Strict(l, `level ${i}`)) };
}

function tupleItems(init: BlockInit): EncodedItem[] {
  const items = init.items ?? [];
  if (!isArray(items)) throw invalid('tuple items must be an array of [name, block] pairs');
  const seen = new Set<string>();
  return items.map(([name, bytes], i) => {
    if (typeof name !== 'string' || name.length === 0) throw invalid(`tuple item ${i} needs a non-empty name`, { item: i });
    if (seen.has(name)) throw invalid(`tuple item name ${JSON.stringify(name)} repeats`, { item: i });
    seen.add(name);
    return { name: utf8Strict(name, `tuple item name ${i}`), bytes };
  });
}

/** Flattens nested-array data (a plain array holding an array); undefined for flat data. */
function unnest(init: BlockInit): { cells: CellValue[]; shape: number[] } | undefined {
  const data: unknown = init.data;
  if (!Array.isArray(data) || !data.some((v) => Array.isArray(v))) return undefined;
  return flattenNested(data);
}

/** Whether nesting fits a shape: the same dimensions, or a prefix of them ending in an empty array. */
function fitsShape(shape: readonly number[], nested: readonly number[]): boolean {
  if (nested.length > shape.length || nested.some((d, i) => d !== shape[i])) return false;
  return nested.length === shape.length || nested[nested.length - 1] === 0;
}

/** Checks a {@link BlockInit} and converts it into encoder parts. */
export function buildParts(init: BlockInit): EncodeParts {
  if (!isObject(init)) throw invalid('a block description must be an object');
  const type = cellType(init.type);
  const attributes = normalizeAttributes(init.attributes).map(([c, v]) => [c, utf8Strict(v, `attribute ${c}`)] as const);
  if (type.name === 'tuple') {
    const items = tupleItems(init);
    if (init.shape !== undefined && (init.shape.length !== 1 || init.shape[0] !== items.length)) throw invalid('a tuple has shape [item count]');
    return { type, shape: [items.length], items, attributes };
  }
  if (init.items !== undefined) throw invalid('items are only for tuples');
  if ((init.levels !== undefined || init.ordered !== undefined) && type.name !== 'factor') throw invalid('levels and ordered are only for factors');
  const nested = unnest(init);
  const data = nested?.cells ?? init.data;
  const length = dataLength(data);
  const shape = init.shape ?? nested?.shape ?? [length];
  const count = checkShape(shape);
  if (nested !== undefined && !fitsShape(shape, nested.shape)) {
    throw invalid(`nested data has shape [${nested.shape.join(', ')}] but shape is [${shape.join(', ')}]`, { shape: [...shape], nestedShape: nested.shape });
  }
  if (count !== length) throw invalid(`shape [${shape.join(', ')}] holds ${count} cells but data has ${length}`, { cells: count, length });
  switch (type.name) {
    case 'string':
      return { type, shape, strings: stringCells(asValues(data), count), attributes };
    case 'factor': {
      if (init.ordered !== undefined && typeof init.ordered !== 'boolean') throw invalid('ordered must be a boolean');
      return { type, shape, ...factorParts({ ...init, data }, count), ordered: init.ordered === true, attributes };
    }
    default: {
      let cells = rawCells(type, data);
      if (cells !== undefined && type.name === 'bool' && cells.some((b) => b > 1 && b !== NA_BOOL)) {
        throw invalid('bool cells must be 0, 1 or 255 (NA)');
      }
      cells ??= packCells(type, asValues(data), count);
      return { type, shape, cells, attributes };
    }
  }
}
