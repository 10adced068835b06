/**
 * Instrument values as text and JSON, shared by the HTTP routes, the client and the CLI: the
 * one place that says how a cell of each instrument type is written in CSV and JSON, how NA is
 * recognised (the block format's sentinels), and how times are read (µs integers or ISO-8601).
 * Everything here is pure; bad input is `INSTRUMENT_VALUES_INVALID` naming the row.
 */
import { CELL_TYPES, NA_BOOL, NA_FLOAT32_BITS, NA_FLOAT64_WORDS, NA_INT16, NA_INT32, NA_INT64, NA_INT8 } from '../block/index.js';
import { KeeprError } from '../errors.js';
import type { InstrumentType, InstrumentValues, InstrumentValuesMap } from '../instrument/instrument-types.js';

/** How times are written in text answers: µs integers, ms numbers, or ISO-8601 UTC with µs. */
export type TimeText = 'us' | 'ms' | 'iso';

/** A JSON cell: numbers for small types, strings for 64-bit integers, times and non-finite floats, null for NA. */
export type JsonCell = number | string | boolean | null;

const INT_RANGES: Readonly<Partial<Record<InstrumentType, readonly [bigint, bigint]>>> = {
  int8: [-128n, 127n],
  int16: [-32768n, 32767n],
  int32: [-(2n ** 31n), 2n ** 31n - 1n],
  int64: [-(2n ** 63n), 2n ** 63n - 1n],
  uint8: [0n, 255n],
  uint16: [0n, 65535n],
  uint32: [0n, 2n ** 32n - 1n],
  uint64: [0n, 2n ** 64n - 1n],
};

/** NA sentinels of the integer types that have one (unsigned types have none). */
const INT_NA: Readonly<Partial<Record<InstrumentType, bigint>>> = { int8: BigInt(NA_INT8), int16: BigInt(NA_INT16), int32: BigInt(NA_INT32), int64: NA_INT64, time: NA_INT64 };

const f64 = new DataView(new ArrayBuffer(8));

/** The float64 NA (R's NA_real_ payload). */
export const NA_FLOAT64: number = (() => {
  f64.setUint32(0, NA_FLOAT64_WORDS.hi);
  f64.setUint32(4, NA_FLOAT64_WORDS.lo);
  return f64.getFloat64(0);
})();

/** The float32 NA as a float32 bit pattern written into a Float32Array. */
function setFloat32NA(array: Float32Array, i: number): void {
  new Uint32Array(array.buffer, array.byteOffset + i * 4, 1)[0] = NA_FLOAT32_BITS;
}

/** An `INSTRUMENT_VALUES_INVALID` error for row `row`. */
export function badValue(row: number, message: string, what = 'value'): KeeprError {
  return new KeeprError('INSTRUMENT_VALUES_INVALID', `row ${row}: ${what} ${message}`, { details: { row, what } });
}

/** True when cell `i` of `values` is NA in the block format's terms. */
export function isNAAt(type: InstrumentType, values: InstrumentValues, i: number): boolean {
  switch (type) {
    case 'string':
    case 'factor':
      return (values as (string | null)[])[i] === null;
    case 'bool':
      return (values as Uint8Array)[i] === NA_BOOL;
    case 'float64': {
      const a = values as Float64Array;
      const words = new Uint32Array(a.buffer, a.byteOffset + i * 8, 2);
      return words[0] === NA_FLOAT64_WORDS.lo && words[1] === NA_FLOAT64_WORDS.hi;
    }
    case 'float32': {
      const a = values as Float32Array;
      return new Uint32Array(a.buffer, a.byteOffset + i * 4, 1)[0] === NA_FLOAT32_BITS;
    }
    case 'int64':
    case 'time':
      return (values as BigInt64Array)[i] === NA_INT64;
    case 'int8':
    case 'int16':
    case 'int32':
      return BigInt((values as Int32Array)[i]!) === INT_NA[type];
    default:
      return false;
  }
}

/** A new values array of `type`, `n` long (NA-free zeros; strings null). */
export function emptyValues<T extends InstrumentType>(type: T, n: number): InstrumentValuesMap[T] {
  if (type === 'string' || type === 'factor') return new Array<string | null>(n).fill(null) as InstrumentValuesMap[T];
  // Every other instrument type is viewed by its cell type's typed array.
  return new CELL_TYPES[type].array!(n) as InstrumentValuesMap[T];
}

/** Writes NA into cell `i` (`INSTRUMENT_VALUES_INVALID` for unsigned types, which have none). */
export function setNA(type: InstrumentType, values: InstrumentValues, i: number, row = i): void {
  switch (type) {
    case 'string':
    case 'factor':
      (values as (string | null)[])[i] = null;
      return;
    case 'bool':
      (values as Uint8Array)[i] = NA_BOOL;
      return;
    case 'float64':
      // Written as words: a NaN stored through a Float64Array may lose its payload.
      new Uint32Array((values as Float64Array).buffer, (values as Float64Array).byteOffset + i * 8, 2).set([NA_FLOAT64_WORDS.lo, NA_FLOAT64_WORDS.hi]);
      return;
    case 'float32':
      setFloat32NA(values as Float32Array, i);
      return;
    case 'int64':
    case 'time':
      (values as BigInt64Array)[i] = NA_INT64;
      return;
    case 'int8':
    case 'int16':
    case 'int32':
      (values as Int32Array)[i] = Number(INT_NA[type]!);
      return;
    default:
      throw badValue(row, `is NA, and ${type} has no NA`);
  }
}

const INTEGER = /^[+-]?\d+$/;
const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,6}))?)?(Z|[+-]\d{2}:\d{2})?)?$/;

/**
 * A time as µs since the epoch UTC: decimal µs (`1700000000000000`), or ISO-8601
 * `YYYY-MM-DD[THH:MM[:SS[.ffffff]]][Z|±HH:MM]` (a space may stand for `T`; no zone means UTC).
 */
export function parseTimeText(text: string, row = 0, what = 'time'): bigint {
  if (INTEGER.test(text)) {
    const us = BigInt(text);
    if (us <= NA_INT64 || us >= 2n ** 63n) throw badValue(row, `${JSON.stringify(text)} is outside the µs range of a time`, what);
    return us;
  }
  const m = DATE_TIME.exec(text);
  if (m === null) throw badValue(row, `${JSON.stringify(text)} is neither µs nor ISO-8601`, what);
  const [, y, mo, d, h = '0', mi = '0', s = '0', frac = '', zone = 'Z'] = m;
  const date = new Date(0);
  date.setUTCFullYear(Number(y), Number(mo) - 1, Number(d));
  date.setUTCHours(Number(h), Number(mi), Number(s), 0);
  // Date rolls 2021-02-30 over into March: a field out of range shows up as a different field.
  if (date.getUTCFullYear() !== Number(y) || date.getUTCMonth() !== Number(mo) - 1 || date.getUTCDate() !== Number(d) || date.getUTCHours() !== Number(h) || date.getUTCMinutes() !== Number(mi) || date.getUTCSeconds() !== Number(s)) {
    throw badValue(row, `${JSON.stringify(text)} is not a valid date and time`, what);
  }
  let us = BigInt(date.getTime()) * 1000n + BigInt(frac.padEnd(6, '0') || '0');
  if (zone !== 'Z') {
    const sign = zone.startsWith('-') ? -1n : 1n;
    us -= sign * (BigInt(Number(zone.slice(1, 3))) * 3600n + BigInt(Number(zone.slice(4, 6))) * 60n) * 1_000_000n;
  }
  return us;
}

/** Formats µs as ISO-8601 UTC with six fractional digits (decimal µs outside years 0001-9999). */
export function formatTimeIso(us: bigint): string {
  const ms = us / 1000n - (us % 1000n < 0n ? 1n : 0n);
  const date = new Date(Number(ms));
  const year = date.getUTCFullYear();
  if (!Number.isFinite(date.getTime()) || year < 1 || year > 9999) return us.toString();
  const sub = (us - ms * 1000n).toString().padStart(3, '0');
  return `${date.toISOString().slice(0, 23)}${sub}Z`;
}

/** A time in a text answer. */
export function timeText(us: bigint, unit: TimeText): string {
  if (unit === 'iso') return formatTimeIso(us);
  if (unit === 'ms') return String(Number(us) / 1000);
  return us.toString();
}

/** Reads one integer cell (`INTEGER` text or a JS number/bigint), range- and sentinel-checked. */
function integerOf(type: InstrumentType, raw: string | number | bigint, row: number): bigint {
  let v: bigint;
  if (typeof raw === 'bigint') v = raw;
  else if (typeof raw === 'number') {
    if (!Number.isInteger(raw)) throw badValue(row, `${raw} is not an integer`);
    v = BigInt(raw);
  } else {
    if (!INTEGER.test(raw)) throw badValue(row, `${JSON.stringify(raw)} is not an integer`);
    v = BigInt(raw);
  }
  const [lo, hi] = INT_RANGES[type]!;
  if (v < lo || v > hi) throw badValue(row, `${v} is outside the range of ${type}`);
  if (v === INT_NA[type]) throw badValue(row, `${v} is the NA sentinel of ${type}; write NA instead`);
  return v;
}

/** Reads one float cell: a decimal, NaN, Infinity, -Infinity (text or a JS number). */
function floatOf(raw: string | number, row: number): number {
  if (typeof raw === 'number') return raw;
  if (raw === 'NaN') return NaN;
  if (raw === 'Infinity' || raw === '+Infinity' || raw === 'inf') return Infinity;
  if (raw === '-Infinity' || raw === '-inf') return -Infinity;
  if (!DECIMAL.test(raw)) throw badValue(row, `${JSON.stringify(raw)} is not a number`);
  return Number(raw);
}

/** Reads one bool cell: true/false/1/0 (text), or a JS boolean. */
function boolOf(raw: string | number | boolean, row: number): number {
  if (raw === true || raw === 'true' || raw === 'TRUE' || raw === 1 || raw === '1') return 1;
  if (raw === false || raw === 'false' || raw === 'FALSE' || raw === 0 || raw === '0') return 0;
  throw badValue(row, `${JSON.stringify(raw)} is not a bool (true, false, 1, 0)`);
}

/** A cell as given in text or JSON; null is NA. */
export type CellInput = string | number | bigint | boolean | null;

/**
 * Values of `type` from cells as written in CSV or JSON (null = NA): integers as decimal text
 * or JSON numbers, 64-bit integers also as strings, floats as decimals or `NaN`/`Infinity`/
 * `-Infinity`, bools as true/false/1/0, times as µs or ISO-8601, strings as they are.
 */
export function valuesFromCells<T extends InstrumentType>(type: T, cells: readonly CellInput[]): InstrumentValuesMap[T] {
  const out = emptyValues(type, cells.length);
  cells.forEach((raw, i) => {
    if (raw === null) {
      setNA(type, out, i);
      return;
    }
    switch (type) {
      case 'string':
      case 'factor':
        if (typeof raw !== 'string') throw badValue(i, `${JSON.stringify(String(raw))} is not a string`);
        (out as (string | null)[])[i] = raw;
        return;
      case 'bool':
        if (typeof raw === 'bigint') throw badValue(i, 'is not a bool');
        (out as Uint8Array)[i] = boolOf(raw, i);
        return;
      case 'float32':
      case 'float64':
        if (typeof raw !== 'string' && typeof raw !== 'number') throw badValue(i, `${String(raw)} is not a number`);
        (out as Float64Array)[i] = floatOf(raw, i);
        return;
      case 'time':
        if (typeof raw === 'string') (out as BigInt64Array)[i] = parseTimeText(raw, i, 'value');
        else if (typeof raw === 'bigint' || (typeof raw === 'number' && Number.isSafeInteger(raw))) (out as BigInt64Array)[i] = parseTimeText(String(raw), i, 'value');
        else throw badValue(i, `${String(raw)} is not a time`);
        return;
      default: {
        if (typeof raw === 'boolean') throw badValue(i, 'is not an integer');
        const v = integerOf(type, raw, i);
        if (type === 'int64') (out as BigInt64Array)[i] = v;
        else if (type === 'uint64') (out as BigUint64Array)[i] = v;
        else (out as Int32Array)[i] = Number(v);
      }
    }
  });
  return out;
}

/** Text cells of CSV (unquoted empty or `NA` = NA) as values of `type`. */
export function valuesFromTexts<T extends InstrumentType>(type: T, texts: readonly (string | null)[]): InstrumentValuesMap[T] {
  return valuesFromCells(type, texts);
}

function floatText(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return 'Infinity';
  if (v === -Infinity) return '-Infinity';
  return Object.is(v, -0) ? '-0' : String(v);
}

/** One cell as JSON: see {@link JsonCell}; times as in `unit` (µs strings by default). */
export function cellJson(type: InstrumentType, values: InstrumentValues, i: number, unit: TimeText = 'us'): JsonCell {
  if (isNAAt(type, values, i)) return null;
  switch (type) {
    case 'string':
    case 'factor':
      return (values as (string | null)[])[i]!;
    case 'bool':
      return (values as Uint8Array)[i] === 1;
    case 'float32':
    case 'float64': {
      const v = (values as Float64Array)[i]!;
      return Number.isFinite(v) && !Object.is(v, -0) ? v : floatText(v);
    }
    case 'time':
      return unit === 'ms' ? Number((values as BigInt64Array)[i]!) / 1000 : timeText((values as BigInt64Array)[i]!, unit);
    case 'int64':
    case 'uint64':
      return String((values as BigInt64Array)[i]!);
    default:
      return (values as Int32Array)[i]!;
  }
}

/** One cell as CSV text (NA as an empty cell; strings are quoted by the CSV writer). */
export function cellText(type: InstrumentType, values: InstrumentValues, i: number, unit: TimeText = 'us'): string | null {
  if (isNAAt(type, values, i)) return null;
  if (type === 'float32' || type === 'float64') return floatText((values as Float64Array)[i]!);
  const json = cellJson(type, values, i, unit);
  return json === null ? null : String(json);
}
