/**
 * Infers a block description from a plain JS value: typed arrays keep their type, nested
 * arrays give the shape, and the leaves give the cell type (numbers → float64, bigints →
 * int64, booleans → bool, strings → string, Dates → time; null is NA).
 */
import { KeeprError } from '../errors.js';
import type { AttributesInit } from './attributes.js';
import type { BlockInit, CellValue } from './block-builder.js';
import type { BlockJS } from './block.js';
import { MAX_RANK, type CellType } from './cell-type.js';

/** Options of `Block.from`. */
export interface FromOptions {
  /** Force this cell type instead of inferring one. */
  readonly type?: CellType;
  /** Reshape the cells (row-major); the cell count must match. */
  readonly shape?: readonly number[];
  readonly attributes?: AttributesInit;
  /** Factor level labels. */
  readonly levels?: readonly string[];
  /** Factor: levels are ordered. */
  readonly ordered?: boolean;
}

const TYPED: readonly (readonly [abstract new (...args: never[]) => ArrayBufferView, CellType])[] = [
  [Float64Array, 'float64'],
  [Float32Array, 'float32'],
  [Int8Array, 'int8'],
  [Int16Array, 'int16'],
  [Int32Array, 'int32'],
  [BigInt64Array, 'int64'],
  [Uint8Array, 'uint8'],
  [Uint8ClampedArray, 'uint8'],
  [Uint16Array, 'uint16'],
  [Uint32Array, 'uint32'],
  [BigUint64Array, 'uint64'],
];

function invalid(message: string): KeeprError {
  return new KeeprError('BLOCK_INVALID', message);
}

/** The cell type a plain typed array maps to, or undefined. */
export function typedArrayCellType(value: unknown): CellType | undefined {
  if (!ArrayBuffer.isView(value)) return undefined;
  for (const [ctor, type] of TYPED) if (value instanceof ctor) return type;
  return undefined;
}

function leafType(v: unknown): CellType | null | undefined {
  if (v === null) return null;
  switch (typeof v) {
    case 'number':
      return 'float64';
    case 'bigint':
      return 'int64';
    case 'boolean':
      return 'bool';
    case 'string':
      return 'string';
    default:
      return v instanceof Date ? 'time' : undefined;
  }
}

/** Flattens rectangular nested arrays, returning the cells in row-major order and the shape. */
export function flattenNested(value: readonly unknown[]): { cells: CellValue[]; shape: number[] } {
  const shape: number[] = [];
  let level: unknown = value;
  while (Array.isArray(level)) {
    if (shape.length === MAX_RANK) throw new KeeprError('BLOCK_RANK_EXCEEDED', `arrays nested deeper than ${MAX_RANK}`);
    shape.push(level.length);
    level = level[0];
  }
  const cells: CellValue[] = [];
  const walk = (node: unknown, depth: number): void => {
    if (depth === shape.length) {
      if (Array.isArray(node)) throw invalid('nested arrays are ragged (deeper in some places)');
      cells.push(node as CellValue);
      return;
    }
    if (!Array.isArray(node) || node.length !== shape[depth]) throw invalid('nested arrays are ragged (rows of different lengths)');
    for (const child of node) walk(child, depth + 1);
  };
  walk(value, 0);
  return { cells, shape };
}

/** Reshapes row-major cells into nested arrays. */
export function nestCells(flat: CellValue[], shape: readonly number[]): BlockJS {
  if (shape.length === 0) return flat[0] ?? null;
  const build = (offset: number, dim: number): BlockJS[] => {
    const n = shape[dim]!;
    if (dim === shape.length - 1) return flat.slice(offset, offset + n);
    const stride = shape.slice(dim + 1).reduce((a, b) => a * b, 1);
    return Array.from({ length: n }, (_, i) => build(offset + i * stride, dim + 1));
  };
  return build(0, 0);
}

/** Builds a {@link BlockInit} from a plain JS value. */
export function inferInit(value: unknown, options: FromOptions = {}): BlockInit {
  const base = { attributes: options.attributes, levels: options.levels, ordered: options.ordered };
  const typed = typedArrayCellType(value);
  if (typed !== undefined) {
    const data = value as ArrayLike<CellValue>;
    return { ...base, type: options.type ?? typed, shape: options.shape ?? [data.length], data };
  }
  let cells: CellValue[];
  let shape: number[];
  if (Array.isArray(value)) {
    ({ cells, shape } = flattenNested(value));
  } else {
    cells = [value as CellValue];
    shape = [];
  }
  let type = options.type;
  if (type === undefined) {
    const found = new Set<CellType>();
    for (const c of cells) {
      const t = leafType(c);
      if (t === undefined) throw invalid(`cannot store a ${typeof c} in a block`);
      if (t !== null) found.add(t);
    }
    if (found.size > 1) throw invalid(`cells mix types (${[...found].join(', ')}); give options.type`);
    const only = [...found][0];
    if (only === undefined) throw invalid('cannot infer a cell type from NA-only or empty data; give options.type');
    type = options.levels !== undefined && only === 'string' ? 'factor' : only;
  }
  return { ...base, type, shape: options.shape ?? shape, data: cells };
}
