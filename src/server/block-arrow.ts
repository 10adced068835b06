/**
 * Tensor blocks as Apache Arrow IPC streams (`application/vnd.apache.arrow.stream`): a rank-0
 * or rank-1 block is one column named `value`, a rank-2 block one column per column index
 * (`0`, `1`, …) holding its rows; NA cells are Arrow nulls. apache-arrow is loaded on first use,
 * so servers that never answer Arrow never load it.
 */
import type * as ArrowModule from 'apache-arrow';
import type { Block, CellType } from '../block/index.js';
import { KeeprError } from '../errors.js';
import { ARROW_STREAM_MEDIA_TYPE } from './content-types.js';

type Arrow = typeof ArrowModule;

let loading: Promise<Arrow> | undefined;

function loadArrow(): Promise<Arrow> {
  loading ??= import('apache-arrow');
  return loading;
}

/** Cell types of fixed width, which become Arrow columns over the same typed array. */
const FIXED: ReadonlySet<CellType> = new Set(['int8', 'int16', 'int32', 'int64', 'uint8', 'uint16', 'uint32', 'uint64', 'float32', 'float64', 'time']);

/**
 * `HTTP_NOT_ACCEPTABLE` unless the block can be an Arrow table: a tensor (not a file or a tuple)
 * of rank 0, 1 or 2. Checked before anything is sent (or apache-arrow loaded).
 */
export function checkArrowable(block: Block): void {
  const reason =
    block.type === 'bytes' || block.type === 'tuple' ? `a ${block.type} block is not a tensor` : block.rank > 2 ? `rank ${block.rank} is above 2 (a table has rows and columns)` : undefined;
  if (reason === undefined) return;
  throw new KeeprError('HTTP_NOT_ACCEPTABLE', `${ARROW_STREAM_MEDIA_TYPE} cannot carry this block: ${reason}`, {
    details: { reason, type: block.type, rank: block.rank, mediaType: ARROW_STREAM_MEDIA_TYPE },
  });
}

/** The Arrow type of the cells of a fixed-width cell type (blocks and instrument columns alike). */
export function fixedType(arrow: Arrow, type: CellType): ArrowModule.DataType {
  switch (type) {
    case 'int8':
      return new arrow.Int8();
    case 'int16':
      return new arrow.Int16();
    case 'int32':
      return new arrow.Int32();
    case 'int64':
      return new arrow.Int64();
    case 'uint8':
      return new arrow.Uint8();
    case 'uint16':
      return new arrow.Uint16();
    case 'uint32':
      return new arrow.Uint32();
    case 'uint64':
      return new arrow.Uint64();
    case 'float32':
      return new arrow.Float32();
    case 'time':
      return new arrow.TimestampMicrosecond('UTC');
    default:
      return new arrow.Float64();
  }
}

/** A typed array of the same kind as `source`, `length` long. */
type TypedArray = Int8Array | Int16Array | Int32Array | BigInt64Array | Uint8Array | Uint16Array | Uint32Array | BigUint64Array | Float32Array | Float64Array;

/** One column: cells `cells[0]`, `cells[1]`, … of the block (row-major indices). */
function column(arrow: Arrow, block: Block, cells: readonly number[]): ArrowModule.Vector {
  const n = cells.length;
  const na = block.hasNA ? cells.map((i) => block.isNA(i)) : undefined;
  if (block.type === 'bool') return arrow.vectorFromArray(cells.map((i, k) => (na?.[k] ? null : block.get(i) === true)), new arrow.Bool());
  if (block.type === 'string' || block.type === 'factor') {
    const strings = block.strings();
    return arrow.vectorFromArray(cells.map((i) => strings[i] ?? null), new arrow.Utf8());
  }
  if (!FIXED.has(block.type)) throw new KeeprError('INTERNAL', `no Arrow column for ${block.type} cells`);
  const values = block.values();
  const Ctor = values.constructor as new (length: number) => TypedArray;
  const data = new Ctor(n);
  // One bit per cell, set when the cell is valid (Arrow's validity bitmap, least significant bit first).
  let nullBitmap: Uint8Array | undefined;
  let nullCount = 0;
  cells.forEach((i, k) => {
    data[k] = values[i]!;
  });
  if (na?.includes(true)) {
    nullBitmap = new Uint8Array(Math.ceil(n / 8)).fill(0xff);
    na.forEach((missing, k) => {
      if (!missing) return;
      nullBitmap![k >> 3]! &= ~(1 << (k & 7));
      nullCount++;
    });
  }
  const props = { type: fixedType(arrow, block.type), length: n, nullCount, data, ...(nullBitmap === undefined ? {} : { nullBitmap }) };
  return arrow.makeVector(arrow.makeData(props as Parameters<Arrow['makeData']>[0]));
}

/** The block as an Arrow IPC stream (call {@link checkArrowable} first). */
export async function arrowStreamOf(block: Block): Promise<Uint8Array> {
  checkArrowable(block);
  const arrow = await loadArrow();
  const columns: Record<string, ArrowModule.Vector> = {};
  const range = (length: number, at: (k: number) => number): number[] => Array.from({ length }, (_, k) => at(k));
  if (block.rank < 2) {
    columns['value'] = column(arrow, block, range(block.size, (k) => k));
  } else {
    const [rows, cols] = block.shape as [number, number];
    for (let j = 0; j < cols; j++) columns[String(j)] = column(arrow, block, range(rows, (i) => i * cols + j));
  }
  return arrow.tableToIPC(new arrow.Table(columns), 'stream');
}
