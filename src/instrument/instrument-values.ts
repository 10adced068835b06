/**
 * Value columns of each instrument type: checking input, NA, slicing, joining and reading a
 * cell as a double (for summaries and downsampling). One table, so every type follows one rule.
 */
import { NA_BOOL, NA_FLOAT32_BITS, NA_FLOAT64_WORDS, NA_INT16, NA_INT32, NA_INT64, NA_INT8 } from '../block/cell-type.js';
import { KeeprError } from '../errors.js';
import { INSTRUMENT_TYPES, type InstrumentType, type InstrumentValues, type InstrumentValuesInput, type InstrumentValuesMap } from './instrument-types.js';

/** A typed-array constructor of the numeric instrument types. */
type ArrayCtor = { new (n: number): InstrumentValues; readonly BYTES_PER_ELEMENT: number };

interface TypeRule {
  /** Typed array class, or undefined for string columns. */
  readonly array: ArrayCtor | undefined;
  /** The NA cell (undefined: the type has none). */
  readonly na: number | bigint | null | undefined;
  /** Smallest and largest allowed value of integer types. */
  readonly range?: readonly [number | bigint, number | bigint];
  readonly bigint: boolean;
}

const float64NA = new Float64Array(new Uint32Array([NA_FLOAT64_WORDS.lo, NA_FLOAT64_WORDS.hi]).buffer)[0]!;
const float32NA = new Float32Array(new Uint32Array([NA_FLOAT32_BITS]).buffer)[0]!;

const RULES: Readonly<Record<InstrumentType, TypeRule>> = {
  bool: { array: Uint8Array, na: NA_BOOL, bigint: false },
  int8: { array: Int8Array, na: NA_INT8, range: [-0x7f, 0x7f], bigint: false },
  int16: { array: Int16Array, na: NA_INT16, range: [-0x7fff, 0x7fff], bigint: false },
  int32: { array: Int32Array, na: NA_INT32, range: [-0x7fffffff, 0x7fffffff], bigint: false },
  int64: { array: BigInt64Array, na: NA_INT64, range: [NA_INT64 + 1n, 2n ** 63n - 1n], bigint: true },
  uint8: { array: Uint8Array, na: undefined, range: [0, 0xff], bigint: false },
  uint16: { array: Uint16Array, na: undefined, range: [0, 0xffff], bigint: false },
  uint32: { array: Uint32Array, na: undefined, range: [0, 0xffffffff], bigint: false },
  uint64: { array: BigUint64Array, na: undefined, range: [0n, 2n ** 64n - 1n], bigint: true },
  float32: { array: Float32Array, na: float32NA, bigint: false },
  float64: { array: Float64Array, na: float64NA, bigint: false },
  time: { array: BigInt64Array, na: NA_INT64, range: [NA_INT64 + 1n, 2n ** 63n - 1n], bigint: true },
  string: { array: undefined, na: null, bigint: false },
  factor: { array: undefined, na: null, bigint: false },
};

function invalid(message: string, details: Record<string, unknown> = {}): KeeprError {
  return new KeeprError('INSTRUMENT_VALUES_INVALID', message, { details });
}

/** Checks an instrument type name. */
export function assertInstrumentType(type: unknown): asserts type is InstrumentType {
  if (typeof type !== 'string' || !(INSTRUMENT_TYPES as readonly string[]).includes(type)) {
    throw new KeeprError('ARGUMENT_INVALID', `instrument type must be one of ${INSTRUMENT_TYPES.join(', ')}; got ${JSON.stringify(type)}`, { details: { type: String(type) } });
  }
}

/** Checks the options of `instrument(name, options)` (embedded and client alike): index kind and type. */
export function checkInstrumentOptions(options: { readonly index?: unknown; readonly type?: unknown }): void {
  const index = options.index;
  if (index !== undefined && index !== 'time' && index !== 'key') {
    throw new KeeprError('ARGUMENT_INVALID', `index must be 'time' or 'key'; got ${JSON.stringify(index)}`);
  }
  if (options.type !== undefined) assertInstrumentType(options.type);
}

/** True for types whose cells downsample (numbers, bool, time). */
export function isNumericType(type: InstrumentType): boolean {
  return type !== 'string' && type !== 'factor';
}

/** The NA cell of a type as a JS value (undefined when the type has none). */
export function naOf(type: InstrumentType): number | bigint | null | undefined {
  return RULES[type].na;
}

/** The float64 NA (R's NA_real_): the value empty buckets and missing cells get. */
export const FLOAT64_NA = float64NA;

/** A new column of `n` cells, all NA (zero for types without NA). */
export function naColumn<T extends InstrumentType>(type: T, n: number): InstrumentValuesMap[T] {
  const rule = RULES[type];
  if (rule.array === undefined) return new Array<string | null>(n).fill(null) as InstrumentValuesMap[T];
  const out = new rule.array(n) as InstrumentValuesMap[T];
  if (rule.na !== undefined && rule.na !== null) (out as { fill(v: number | bigint): unknown }).fill(rule.na);
  return out;
}

/** Whether cell `i` is NA. Float NA is the NA payload only; other NaNs are values. */
export function isNA(type: InstrumentType, values: InstrumentValues, i: number): boolean {
  switch (type) {
    case 'string':
    case 'factor':
      return (values as (string | null)[])[i] === null;
    case 'float64': {
      const v = (values as Float64Array)[i]!;
      return v !== v && sameBits64(values as Float64Array, i);
    }
    case 'float32': {
      const v = (values as Float32Array)[i]!;
      return v !== v && new Uint32Array((values as Float32Array).buffer, (values as Float32Array).byteOffset + 4 * i, 1)[0] === NA_FLOAT32_BITS;
    }
    default: {
      const na = RULES[type].na;
      return na !== undefined && (values as ArrayLike<number | bigint>)[i] === na;
    }
  }
}

function sameBits64(values: Float64Array, i: number): boolean {
  const words = new Uint32Array(values.buffer, values.byteOffset + 8 * i, 2);
  return words[0] === NA_FLOAT64_WORDS.lo && words[1] === NA_FLOAT64_WORDS.hi;
}

/** A copy of cells [start, end). */
export function sliceValues<T extends InstrumentType>(values: InstrumentValuesMap[T], start: number, end: number): InstrumentValuesMap[T] {
  return values.slice(start, end) as InstrumentValuesMap[T];
}

/** Cells [start, end) without copying where the column is a typed array (read-only use). */
export function viewValues(values: InstrumentValues, start: number, end: number): InstrumentValues {
  return Array.isArray(values) ? values.slice(start, end) : (values).subarray(start, end);
}

/** The cells of `indexes`, in that order. */
export function pickValues<T extends InstrumentType>(type: T, values: InstrumentValuesMap[T], indexes: ArrayLike<number>): InstrumentValuesMap[T] {
  const out = naColumn(type, indexes.length) as unknown as { [i: number]: unknown };
  const src = values as unknown as { readonly [i: number]: unknown };
  for (let i = 0; i < indexes.length; i++) out[i] = src[indexes[i]!];
  return out as unknown as InstrumentValuesMap[T];
}

/** The columns joined end to end. */
export function concatValues<T extends InstrumentType>(type: T, parts: readonly InstrumentValuesMap[T][]): InstrumentValuesMap[T] {
  if (parts.length === 1) return parts[0]!;
  const rule = RULES[type];
  if (rule.array === undefined) return (parts as readonly (string | null)[][]).flat() as InstrumentValuesMap[T];
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new rule.array(n) as unknown as { set(src: ArrayLike<number | bigint>, offset: number): void };
  let at = 0;
  for (const p of parts) {
    out.set(p as ArrayLike<number | bigint>, at);
    at += p.length;
  }
  return out as unknown as InstrumentValuesMap[T];
}

/** Writes cell `from` of `src` into cell `to` of `dst`. */
export function copyCell(dst: InstrumentValues, to: number, src: InstrumentValues, from: number): void {
  (dst as unknown as { [i: number]: unknown })[to] = (src as unknown as { readonly [i: number]: unknown })[from];
}

/**
 * Checks and copies values given for a write into the type's column form: a typed array of the
 * exact class, or a plain array (null = NA). Never keeps the caller's array.
 */
export function valuesIn<T extends InstrumentType>(type: T, input: InstrumentValuesInput, expected: number): InstrumentValuesMap[T] {
  const rule = RULES[type];
  const length = (input as { length?: unknown }).length;
  if (typeof length !== 'number') throw invalid(`values must be an array or typed array of ${type}`, { type });
  if (length !== expected) throw invalid(`${length} values for ${expected} index entries`, { values: length, index: expected });
  if (rule.array !== undefined && input instanceof rule.array) {
    const copy = (input as InstrumentValues).slice() as InstrumentValuesMap[T];
    if (type === 'bool') checkBools(copy as Uint8Array);
    return copy;
  }
  if (!Array.isArray(input)) throw invalid(`values for a ${type} instrument must be ${rule.array?.name ?? 'an array of strings'} or a plain array`, { type });
  const out = naColumn(type, expected) as unknown as { [i: number]: unknown };
  for (let i = 0; i < expected; i++) out[i] = cellIn(type, rule, input[i], i);
  return out as unknown as InstrumentValuesMap[T];
}

function checkBools(values: Uint8Array): void {
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (v !== 0 && v !== 1 && v !== NA_BOOL) throw invalid(`bool cell ${i} is ${v}; use 0, 1 or 255 (NA)`, { index: i });
  }
}

function cellIn(type: InstrumentType, rule: TypeRule, v: unknown, i: number): unknown {
  if (v === null || v === undefined) {
    if (rule.na === undefined) throw invalid(`value ${i} is NA but ${type} has no NA`, { index: i, type });
    return rule.na;
  }
  if (rule.array === undefined) {
    if (typeof v !== 'string') throw invalid(`value ${i} must be a string or null`, { index: i });
    return v;
  }
  if (type === 'bool') {
    if (v === true || v === 1) return 1;
    if (v === false || v === 0) return 0;
    throw invalid(`value ${i} must be true, false, 0, 1 or null`, { index: i });
  }
  if (rule.bigint) {
    const b = typeof v === 'bigint' ? v : typeof v === 'number' && Number.isSafeInteger(v) ? BigInt(v) : undefined;
    const [lo, hi] = rule.range as [bigint, bigint];
    if (b === undefined || b < lo || b > hi) throw invalid(`value ${i} must be an integer in [${lo}, ${hi}] (bigint)`, { index: i, type });
    return b;
  }
  if (typeof v !== 'number') throw invalid(`value ${i} must be a number`, { index: i, type });
  if (rule.range !== undefined) {
    const [lo, hi] = rule.range as [number, number];
    if (!Number.isInteger(v) || v < lo || v > hi) throw invalid(`value ${i} must be an integer in [${lo}, ${hi}]`, { index: i, type });
  }
  if (type === 'float32' && Number.isFinite(v) && !Number.isFinite(Math.fround(v))) throw invalid(`value ${i} overflows float32`, { index: i });
  return v;
}

/** The cells as doubles, NA (and NaN) as NaN: what summaries and downsampling fold. */
export function valuesAsNumbers(type: InstrumentType, values: InstrumentValues): Float64Array {
  if (type === 'float64') return values as Float64Array;
  const n = values.length;
  const out = new Float64Array(n);
  const na = RULES[type].na;
  if (type === 'float32') {
    out.set(values as Float32Array);
    return out;
  }
  if (RULES[type].bigint) {
    const v = values as BigInt64Array | BigUint64Array;
    for (let i = 0; i < n; i++) out[i] = v[i] === na ? Number.NaN : Number(v[i]!);
    return out;
  }
  const v = values as Int32Array;
  for (let i = 0; i < n; i++) out[i] = v[i] === na ? Number.NaN : v[i]!;
  return out;
}
