/**
 * Cell types: stable numeric codes, cell sizes and NA sentinels. The codes are part of the
 * on-disk format (docs/block-format.md) and never change meaning.
 */
import { KeeprError } from '../errors.js';

/** Names of every cell type. */
export const CELL_TYPE_NAMES = [
  'bool',
  'int8',
  'int16',
  'int32',
  'int64',
  'uint8',
  'uint16',
  'uint32',
  'uint64',
  'float32',
  'float64',
  'time',
  'string',
  'factor',
  'bytes',
  'tuple',
] as const;

/** A cell type name. */
export type CellType = (typeof CELL_TYPE_NAMES)[number];

/** Cell types whose cells are plain numbers in JS (number-valued typed arrays). */
export type NumberCellType = 'int8' | 'int16' | 'int32' | 'uint8' | 'uint16' | 'uint32' | 'float32' | 'float64';

/** Cell types whose cells are 64-bit integers (bigint in JS). */
export type BigIntCellType = 'int64' | 'uint64' | 'time';

/** The typed array that views the cells of each cell type. */
export interface CellArrayMap {
  bool: Uint8Array;
  int8: Int8Array;
  int16: Int16Array;
  int32: Int32Array;
  int64: BigInt64Array;
  uint8: Uint8Array;
  uint16: Uint16Array;
  uint32: Uint32Array;
  uint64: BigUint64Array;
  float32: Float32Array;
  float64: Float64Array;
  time: BigInt64Array;
  string: Uint32Array;
  factor: Int32Array;
  bytes: Uint8Array;
}

/** Any typed array a block's cells can be viewed as. */
export type CellArray = CellArrayMap[keyof CellArrayMap];

/** Constructor of a typed array. */
export interface CellArrayConstructor {
  readonly BYTES_PER_ELEMENT: number;
  new (buffer: ArrayBufferLike, byteOffset: number, length: number): CellArray;
  new (length: number): CellArray;
}

/** Static facts about one cell type. */
export interface CellTypeInfo {
  readonly name: CellType;
  /** Stable numeric code stored in the block header. */
  readonly code: number;
  /** Bytes per cell (0 for tuples, whose cells are nested blocks). */
  readonly size: number;
  /** Whether the type has an NA value. */
  readonly hasNA: boolean;
  /** Typed array over the cells, or undefined for tuples. */
  readonly array: CellArrayConstructor | undefined;
}

function info(name: CellType, code: number, size: number, hasNA: boolean, array: CellArrayConstructor | undefined): CellTypeInfo {
  return Object.freeze({ name, code, size, hasNA, array });
}

/** Every cell type, by name. The codes are the on-disk values. */
export const CELL_TYPES: Readonly<Record<CellType, CellTypeInfo>> = Object.freeze({
  bool: info('bool', 1, 1, true, Uint8Array),
  int8: info('int8', 2, 1, true, Int8Array),
  int16: info('int16', 3, 2, true, Int16Array),
  int32: info('int32', 4, 4, true, Int32Array),
  int64: info('int64', 5, 8, true, BigInt64Array),
  uint8: info('uint8', 6, 1, false, Uint8Array),
  uint16: info('uint16', 7, 2, false, Uint16Array),
  uint32: info('uint32', 8, 4, false, Uint32Array),
  uint64: info('uint64', 9, 8, false, BigUint64Array),
  float32: info('float32', 10, 4, true, Float32Array),
  float64: info('float64', 11, 8, true, Float64Array),
  time: info('time', 12, 8, true, BigInt64Array),
  string: info('string', 13, 4, true, Uint32Array),
  factor: info('factor', 14, 4, true, Int32Array),
  bytes: info('bytes', 15, 1, false, Uint8Array),
  tuple: info('tuple', 16, 0, false, undefined),
});

// Indexed by code: this lookup runs on every block read.
const BY_CODE: readonly (CellTypeInfo | undefined)[] = Object.values(CELL_TYPES).reduce<(CellTypeInfo | undefined)[]>((table, t) => {
  table[t.code] = t;
  return table;
}, []);

/** The cell type with this stable code, or undefined. */
export function cellTypeByCode(code: number): CellTypeInfo | undefined {
  return BY_CODE[code];
}

/** The facts about a cell type name; throws `BLOCK_TYPE_UNKNOWN` for an unknown name. */
export function cellType(name: unknown): CellTypeInfo {
  if (typeof name === 'string' && Object.hasOwn(CELL_TYPES, name)) return CELL_TYPES[name as CellType];
  throw new KeeprError('BLOCK_TYPE_UNKNOWN', `unknown cell type ${JSON.stringify(name)}`, {
    details: { type: typeof name === 'string' ? name : String(name) },
  });
}

/** NA of bool cells. */
export const NA_BOOL = 0xff;
/** NA of int8 cells. */
export const NA_INT8 = -0x80;
/** NA of int16 cells. */
export const NA_INT16 = -0x8000;
/** NA of int32 and factor cells (R's NA_integer_). */
export const NA_INT32 = -0x80000000;
/** NA of int64 and time cells. */
export const NA_INT64 = -(2n ** 63n);
/** High and low 32-bit words of the float64 NA: R's NA_real_, 0x7FF00000000007A2. */
export const NA_FLOAT64_WORDS = Object.freeze({ hi: 0x7ff00000, lo: 0x000007a2 });
/** Bit pattern of the float32 NA, 0x7F8007A2 (R's payload in a single-precision NaN). */
export const NA_FLOAT32_BITS = 0x7f8007a2;
/** NA of string cells: offset 0 into the string heap. */
export const NA_STRING_OFFSET = 0;

/** Largest number of dimensions. */
export const MAX_RANK = 6;

/** Time cells count microseconds since 1970-01-01T00:00:00Z (UTC), as int64. */
export const TIME_UNIT = 'microseconds since the Unix epoch, UTC';
