/**
 * Instrument rows as Apache Arrow IPC streams, both ways. Out: an index column (`time` as
 * Timestamp(µs, UTC), `key` as Utf8 or Binary) and value columns of the matching Arrow type,
 * NA as null, fixed-width cells copied byte for byte. In: a stream whose `time` (Timestamp of
 * any unit, or Int64 µs) or `key` (Utf8 or Binary) column and `value` column become points.
 * apache-arrow is loaded on first use, as for blocks.
 */
import type * as ArrowModule from 'apache-arrow';
import { KeeprError } from '../errors.js';
import { fixedType } from './block-arrow.js';
import type { InstrumentType, InstrumentValues } from '../instrument/instrument-types.js';
import { emptyValues, isNAAt, setNA, valuesFromCells, type CellInput } from '../wire/instrument-values.js';

type Arrow = typeof ArrowModule;

let loading: Promise<Arrow> | undefined;

function loadArrow(): Promise<Arrow> {
  loading ??= import('apache-arrow');
  return loading;
}

/** One column to send: its name, instrument type (or index kind) and cells. */
export interface ArrowColumn {
  readonly name: string;
  readonly type: InstrumentType | 'key' | 'ms';
  readonly values: InstrumentValues | Float64Array | string[] | Uint8Array[];
}

type TypedArray = Int8Array | Int16Array | Int32Array | BigInt64Array | Uint8Array | Uint16Array | Uint32Array | BigUint64Array | Float32Array | Float64Array;

/** A column's Arrow type: the block mapping, with ms times as float64. */
function arrowType(arrow: Arrow, type: InstrumentType | 'ms'): ArrowModule.DataType {
  return fixedType(arrow, type === 'ms' ? 'float64' : type);
}

function vectorOf(arrow: Arrow, column: ArrowColumn): ArrowModule.Vector {
  const { type, values } = column;
  const n = values.length;
  if (type === 'key') {
    const keys = values as string[] | Uint8Array[];
    return n > 0 && typeof keys[0] !== 'string' ? arrow.vectorFromArray(keys as Uint8Array[], new arrow.Binary()) : arrow.vectorFromArray(keys as string[], new arrow.Utf8());
  }
  if (type === 'string' || type === 'factor') return arrow.vectorFromArray(values as (string | null)[], new arrow.Utf8());
  if (type === 'bool') {
    const cells = values as Uint8Array;
    return arrow.vectorFromArray(Array.from(cells, (v, i) => (isNAAt('bool', cells, i) ? null : v === 1)), new arrow.Bool());
  }
  const data = (values as TypedArray).slice();
  let nullBitmap: Uint8Array | undefined;
  let nullCount = 0;
  if (type !== 'ms') {
    for (let i = 0; i < n; i++) {
      if (!isNAAt(type, values as InstrumentValues, i)) continue;
      // Arrow's validity bitmap: one bit per cell, set when valid, least significant bit first.
      nullBitmap ??= new Uint8Array(Math.ceil(n / 8)).fill(0xff);
      nullBitmap[i >> 3]! &= ~(1 << (i & 7));
      nullCount++;
    }
  }
  const props = { type: arrowType(arrow, type), length: n, nullCount, data, ...(nullBitmap === undefined ? {} : { nullBitmap }) };
  return arrow.makeVector(arrow.makeData(props as Parameters<Arrow['makeData']>[0]));
}

/** The columns as one Arrow IPC stream (a record batch; an empty table keeps its schema). */
export async function arrowStream(columns: readonly ArrowColumn[]): Promise<Uint8Array> {
  const arrow = await loadArrow();
  const vectors: Record<string, ArrowModule.Vector> = {};
  for (const column of columns) vectors[column.name] = vectorOf(arrow, column);
  return arrow.tableToIPC(new arrow.Table(vectors), 'stream');
}

function malformed(why: string): KeeprError {
  return new KeeprError('HTTP_BODY_MALFORMED', `the Arrow stream ${why}`, { details: { reason: why } });
}

/** µs per unit of Arrow's TimeUnit (SECOND, MILLISECOND, MICROSECOND); NANOSECOND divides. */
const UNIT_US = [1_000_000n, 1000n, 1n];

/** The name of an Arrow type, for messages. */
function typeName(arrow: Arrow, type: ArrowModule.DataType): string {
  return arrow.Type[type.typeId];
}

/** The cells of an Arrow column as 64-bit integers (null when not valid). */
function bigints(vector: ArrowModule.Vector): (bigint | null)[] {
  const out: (bigint | null)[] = [];
  for (const data of vector.data) {
    const values = data.values as BigInt64Array;
    for (let i = 0; i < data.length; i++) out.push(data.getValid(i) ? values[data.offset + i]! : null);
  }
  return out;
}

/** Times in µs from a Timestamp (any unit; ns must be whole µs) or Int64 (µs) column; nulls refused. */
function timesOf(arrow: Arrow, vector: ArrowModule.Vector): BigInt64Array {
  const type = vector.type as ArrowModule.DataType;
  let scale: bigint | 'ns';
  if (arrow.DataType.isTimestamp(type)) scale = type.unit === arrow.TimeUnit.NANOSECOND ? 'ns' : UNIT_US[type.unit]!;
  else if (arrow.DataType.isInt(type) && type.bitWidth === 64 && type.isSigned) scale = 1n;
  else throw malformed(`has a time column of type ${typeName(arrow, type)}, not Timestamp or Int64 (µs)`);
  const cells = bigints(vector);
  const out = new BigInt64Array(cells.length);
  cells.forEach((v, i) => {
    if (v === null) throw new KeeprError('INSTRUMENT_VALUES_INVALID', `row ${i}: time is null`, { details: { row: i, what: 'time' } });
    if (scale === 'ns' && v % 1000n !== 0n) throw new KeeprError('INSTRUMENT_VALUES_INVALID', `row ${i}: time ${v} ns is not a whole µs`, { details: { row: i, what: 'time' } });
    out[i] = scale === 'ns' ? v / 1000n : v * scale;
  });
  return out;
}

/** Keys from a Utf8 or Binary column; nulls refused. */
function keysOf(arrow: Arrow, vector: ArrowModule.Vector): (string | Uint8Array)[] {
  const type = vector.type as ArrowModule.DataType;
  if (!arrow.DataType.isUtf8(type) && !arrow.DataType.isBinary(type)) throw malformed(`has a key column of type ${typeName(arrow, type)}, not Utf8 or Binary`);
  const out: (string | Uint8Array)[] = [];
  for (let i = 0; i < vector.length; i++) {
    const key = vector.get(i) as string | Uint8Array | null;
    if (key === null) throw new KeeprError('INSTRUMENT_VALUES_INVALID', `row ${i}: key is null`, { details: { row: i, what: 'key' } });
    out.push(typeof key === 'string' ? key : key.slice());
  }
  return out;
}

/** Arrow type ids whose cells copy straight into an instrument type's typed array. */
function sameCells(arrow: Arrow, type: ArrowModule.DataType, target: InstrumentType): boolean {
  const D = arrow.DataType;
  if (target === 'time') return D.isTimestamp(type) && type.unit === arrow.TimeUnit.MICROSECOND;
  if (target === 'float64' || target === 'float32') return D.isFloat(type) && type.precision === (target === 'float64' ? arrow.Precision.DOUBLE : arrow.Precision.SINGLE);
  const m = /^(u?)int(\d+)$/.exec(target);
  return m !== null && D.isInt(type) && type.bitWidth === Number(m[2]) && type.isSigned === (m[1] === '');
}

/** The value column as values of `target`: bit for bit when the Arrow type matches, else cell by cell. */
function valuesOf(arrow: Arrow, vector: ArrowModule.Vector, target: InstrumentType): InstrumentValues {
  const type = vector.type as ArrowModule.DataType;
  if (sameCells(arrow, type, target)) {
    const out = emptyValues(target, vector.length) as TypedArray;
    let at = 0;
    for (const data of vector.data) {
      const values = data.values as TypedArray;
      (out as Float64Array).set(values.subarray(data.offset, data.offset + data.length) as Float64Array, at);
      for (let i = 0; i < data.length; i++) if (!data.getValid(i)) setNA(target, out as InstrumentValues, at + i);
      at += data.length;
    }
    return out as InstrumentValues;
  }
  const cells: CellInput[] = [];
  // Timestamps become µs (whole ns only), other 64-bit integers stay as they are.
  const unit = arrow.DataType.isTimestamp(type) ? type.unit : undefined;
  const big = unit !== undefined || (arrow.DataType.isInt(type) && type.bitWidth === 64);
  const raw = big ? bigints(vector) : undefined;
  for (let i = 0; i < vector.length; i++) {
    if (raw !== undefined) {
      const v = raw[i] as bigint | null;
      if (v === null || unit === undefined) cells.push(v);
      else if ((unit as number) === (arrow.TimeUnit.NANOSECOND as number)) cells.push(v % 1000n === 0n ? v / 1000n : String(v) + 'ns');
      else cells.push(v * UNIT_US[unit]!);
      continue;
    }
    const v = vector.get(i) as unknown;
    if (v === null || typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean' || typeof v === 'bigint') cells.push(v);
    else throw malformed(`has a value column of type ${typeName(arrow, type)}, which no instrument takes`);
  }
  return valuesFromCells(target, cells);
}

/** Points from an Arrow IPC stream body: times or keys, and values of the instrument's type. */
export async function pointsFromArrow(body: Uint8Array, index: 'time' | 'key', type: InstrumentType): Promise<{ index: BigInt64Array | (string | Uint8Array)[]; values: InstrumentValues }> {
  const arrow = await loadArrow();
  let table: ArrowModule.Table;
  try {
    table = arrow.tableFromIPC(body);
  } catch (err) {
    throw new KeeprError('HTTP_BODY_MALFORMED', `the body is not an Arrow IPC stream: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
  const indexColumn = table.getChild(index);
  const valueColumn = table.getChild('value');
  if (indexColumn === null || valueColumn === null) throw malformed(`needs the columns ${index} and value`);
  try {
    return { index: index === 'time' ? timesOf(arrow, indexColumn) : keysOf(arrow, indexColumn), values: valuesOf(arrow, valueColumn, type) };
  } catch (err) {
    if (err instanceof KeeprError) throw err;
    throw new KeeprError('HTTP_BODY_MALFORMED', `the Arrow stream cannot be read: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
}
