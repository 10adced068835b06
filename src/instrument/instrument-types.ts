/**
 * The public types of instruments (docs/instruments.md): one interface file shared by the
 * embedded implementation, the HTTP routes, the client and the CLI, so the names cannot drift.
 */
import { CELL_TYPE_NAMES, type CellArrayMap, type CellType } from '../block/cell-type.js';
import type { Bounds } from '../util/range.js';

/** The cell type of an instrument's values: every block cell type but bytes and tuple. */
export type InstrumentType = Exclude<CellType, 'bytes' | 'tuple'>;

/** Cell types an instrument can hold, in cell type order. */
export const INSTRUMENT_TYPES: readonly InstrumentType[] = CELL_TYPE_NAMES.filter((t): t is InstrumentType => t !== 'bytes' && t !== 'tuple');

/** What an instrument is indexed by: time (a time series, µs UTC) or key (a keyed column). */
export type InstrumentIndex = 'time' | 'key';

/**
 * The values of one instrument type as handed in and out. NA follows the block format: the
 * type's sentinel in typed arrays (float64 NA is R's NA_real_ payload, bool NA is 0xFF), null
 * in string arrays. Unsigned types have no NA.
 */
export type InstrumentValuesMap = Omit<CellArrayMap, 'string' | 'factor' | 'bytes'> & {
  string: (string | null)[];
  factor: (string | null)[];
};

/** The values of any instrument type. */
export type InstrumentValues = InstrumentValuesMap[InstrumentType];

/** Values accepted on write: the typed form above, or a plain array (null = NA). */
export type InstrumentValuesInput = InstrumentValues | readonly (number | bigint | boolean | string | null)[];

/** A time on input: µs since the epoch UTC as bigint, or a Date (ms precision). */
export type TimeInput = bigint | Date;

/** Times on input: µs since the epoch UTC. */
export type TimesInput = BigInt64Array | readonly TimeInput[];

/** A key on input: a string (its UTF-8 bytes) or raw bytes; keys order bytewise like block keys. */
export type InstrumentKey = string | Uint8Array;

/** Options of `store.instrument(name, options)`. */
export interface InstrumentOptions {
  /** Cell type; required when the instrument is created, checked against it otherwise. */
  readonly type?: InstrumentType;
  /** Index kind (default 'time'); checked against an existing instrument. */
  readonly index?: InstrumentIndex;
  /** Create when absent (default true); else `INSTRUMENT_NOT_FOUND`. */
  readonly create?: boolean;
}

/** How times come out of reads: `us` = BigInt64Array of µs (default), `ms` = Float64Array of ms. */
export type TimeUnit = 'us' | 'ms';

/** Range of a time series read: bounds in µs (or Dates), order and count. */
export interface TimeRange extends Bounds<TimeInput> {
  /** Unit of the returned times (default 'us'). */
  readonly timeUnit?: TimeUnit;
}

/** Range of a keyed column read: key bounds, a prefix, order and count. */
export interface KeyRange extends Bounds<InstrumentKey> {
  /** Only keys starting with these bytes. */
  readonly prefix?: InstrumentKey;
  /** How keys come out: 'utf8' strings (default; `KEY_NOT_UTF8` if one is not) or 'binary' bytes. */
  readonly keyEncoding?: 'utf8' | 'binary';
}

/** Rows of a time series read, in the requested order. */
export interface SeriesRows<T extends InstrumentType = InstrumentType> {
  /** µs as BigInt64Array, or ms as Float64Array with `timeUnit: 'ms'`. */
  readonly times: BigInt64Array | Float64Array;
  readonly values: InstrumentValuesMap[T];
}

/** Rows of a keyed column read, in the requested order. */
export interface KeyedRows<T extends InstrumentType = InstrumentType> {
  readonly keys: string[] | Uint8Array[];
  readonly values: InstrumentValuesMap[T];
}

/** Aggregates a downsample can compute per bucket (NA and NaN are skipped). */
export const DOWNSAMPLE_OPS = ['min', 'max', 'mean', 'sum', 'count', 'first', 'last'] as const;

/** One aggregate of a downsample. */
export type DownsampleOp = (typeof DOWNSAMPLE_OPS)[number];

/** Options of a downsample: a time range split into equal buckets. */
export interface DownsampleOptions extends Omit<TimeRange, 'reverse' | 'limit'> {
  /** Number of equal buckets over the range (default 1,000); or give `every`. */
  readonly buckets?: number;
  /** Bucket width in µs; buckets start at the range's lower bound. */
  readonly every?: bigint;
  /** Aggregates to compute (default all); ignored with `m4`. */
  readonly ops?: readonly DownsampleOp[];
  /**
   * M4: per bucket the first, min, max and last points (at most 4, in time order), which draws
   * the same line as all points at one pixel per bucket.
   */
  readonly m4?: boolean;
}

/** Per-bucket aggregates: bucket start times and one float64 column per op (NA when empty). */
export interface DownsampleResult {
  /** Start of each bucket. */
  readonly times: BigInt64Array | Float64Array;
  /** Bucket width in µs. */
  readonly every: bigint;
  readonly columns: Partial<Record<DownsampleOp, Float64Array>>;
}

/** How aligned reads join time series: union of times, or the first series' times as of. */
export type AlignJoin = 'outer' | 'asof';

/**
 * Options of an aligned read of several instruments of one index kind: time bounds (bigint µs or
 * Dates) for time series, key bounds and a prefix for keyed columns.
 */
export interface AlignOptions extends Bounds<TimeInput | InstrumentKey> {
  /** Keyed columns: only keys starting with these bytes. */
  readonly prefix?: InstrumentKey;
  /** Keyed columns: keys out as 'utf8' strings (default) or 'binary' bytes. */
  readonly keyEncoding?: 'utf8' | 'binary';
  /** Time series: unit of the returned times (default 'us'). */
  readonly timeUnit?: TimeUnit;
  /** 'outer' (default): every time or key any has, NA where one has none; 'asof': the first one's times, others' last value at or before. */
  readonly join?: AlignJoin;
  /** As-of only: how far back (µs) a value may be (default unlimited). */
  readonly tolerance?: bigint;
}

/** Aligned rows: one index column and one value column per instrument, NA where absent. */
export interface AlignedRows {
  readonly times?: BigInt64Array | Float64Array;
  readonly keys?: string[] | Uint8Array[];
  readonly columns: Record<string, InstrumentValues>;
}

/** Facts about an instrument. */
export interface InstrumentInfo {
  readonly name: string;
  readonly type: InstrumentType;
  readonly index: InstrumentIndex;
  /** Points (rows) stored. */
  readonly points: number;
  readonly chunks: number;
  /** Bytes of all chunks as stored. */
  readonly bytes: number;
  /** First and last index value: µs as a decimal string for time series, base64url for keys. */
  readonly first: string | null;
  readonly last: string | null;
}

/** What a write did. */
export interface InstrumentWriteReport {
  /** Points written (inserted or replaced). */
  readonly points: number;
  /** Chunks rewritten or created. */
  readonly chunks: number;
}

/** The operations every instrument has, embedded and over HTTP alike. */
interface InstrumentBase<T extends InstrumentType> {
  readonly name: string;
  readonly type: T;
  /** Facts about it (counts, bytes, first and last index). */
  info(): Promise<InstrumentInfo>;
}

/**
 * A time series: values at unique times (µs UTC). Writes in time order after the last point
 * are the fast path; earlier times land in the right chunk; a time written again is replaced.
 */
export interface TimeSeriesApi<T extends InstrumentType = InstrumentType> extends InstrumentBase<T> {
  readonly index: 'time';
  /** Writes points (any order; equal times: the last one given wins), atomically. */
  append(times: TimesInput, values: InstrumentValuesInput): Promise<InstrumentWriteReport>;
  /** Points in a time range. */
  read(range?: TimeRange): Promise<SeriesRows<T>>;
  /** Deletes the points in a range (retention: `{ lt: T }`); returns how many. */
  delete(range: Omit<TimeRange, 'reverse' | 'limit' | 'timeUnit'>): Promise<number>;
  /** Per-bucket aggregates, or with `m4` the M4 points (values as float64), over a range (numeric, bool and time types). */
  downsample(options: DownsampleOptions & { m4: true }): Promise<SeriesRows<'float64'>>;
  downsample(options?: DownsampleOptions & { m4?: false }): Promise<DownsampleResult>;
  downsample(options: DownsampleOptions): Promise<DownsampleResult | SeriesRows<'float64'>>;
}

/** A keyed column: values at unique keys, ordered bytewise. */
export interface KeyedColumnApi<T extends InstrumentType = InstrumentType> extends InstrumentBase<T> {
  readonly index: 'key';
  /** Writes values at keys (equal keys: the last one given wins), atomically. */
  put(keys: readonly InstrumentKey[], values: InstrumentValuesInput): Promise<InstrumentWriteReport>;
  /** Rows in a key range. */
  read(range?: KeyRange): Promise<KeyedRows<T>>;
  /** Deletes the rows in a key range; returns how many. */
  delete(range: Omit<KeyRange, 'reverse' | 'limit' | 'keyEncoding'>): Promise<number>;
}

/** Either kind of instrument. */
export type InstrumentApi = TimeSeriesApi | KeyedColumnApi;

/** The instrument methods of a store, embedded (`Store`) and over HTTP (`KeeprClient`). */
export interface InstrumentsApi {
  /** The instrument `name`, created on first use with `options.type` unless `create: false`. */
  instrument(name: string, options: InstrumentOptions & { index: 'time' }): Promise<TimeSeriesApi>;
  instrument(name: string, options: InstrumentOptions & { index: 'key' }): Promise<KeyedColumnApi>;
  instrument(name: string, options?: InstrumentOptions): Promise<InstrumentApi>;
  /** Facts about every instrument, sorted by name. */
  instruments(): Promise<InstrumentInfo[]>;
  /** Deletes an instrument with all its chunks; false when absent. */
  dropInstrument(name: string): Promise<boolean>;
  /** Several instruments of one index kind read as columns of one table. */
  align(names: readonly string[], options?: AlignOptions): Promise<AlignedRows>;
}
