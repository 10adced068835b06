/** A time series instrument: values at unique µs times, stored in chunks (docs/instruments.md). */
import { KeeprError } from '../errors.js';
import type { ChunkedColumn, IndexRange } from './chunked-column.js';
import { indexRange, readColumn } from './column-read.js';
import { bucketsFor, downsampleOps, fillBuckets } from './downsample.js';
import { TIME_INDEX, sortOrder, timeIn, timesAsNumbers, timesIn } from './instrument-index.js';
import type {
  DownsampleOptions,
  DownsampleResult,
  InstrumentInfo,
  InstrumentType,
  InstrumentValuesInput,
  InstrumentValuesMap,
  InstrumentWriteReport,
  SeriesRows,
  TimeRange,
  TimeSeriesApi,
  TimeUnit,
  TimesInput,
} from './instrument-types.js';
import { isNumericType, pickValues, valuesIn } from './instrument-values.js';
import { columnInfo } from './instrument-info.js';

/** Times in the unit asked for: µs as they are, or ms as doubles. */
export function timesOut(times: BigInt64Array, unit: TimeUnit | undefined): BigInt64Array | Float64Array {
  if (unit === undefined || unit === 'us') return times;
  if ((unit as unknown) !== 'ms') throw new KeeprError('ARGUMENT_INVALID', `timeUnit must be 'us' or 'ms'; got ${JSON.stringify(unit)}`);
  const out = timesAsNumbers(times);
  for (let i = 0; i < out.length; i++) out[i]! /= 1000;
  return out;
}

/** A time range's bounds, checked, as µs. */
export function timeRange(range: Omit<TimeRange, 'timeUnit'>): IndexRange<bigint> {
  return indexRange(range, (b, name) => timeIn(b, name, 'ARGUMENT_INVALID'), (x, y) => (x < y ? -1 : x > y ? 1 : 0));
}

/** A time series over its chunked column. */
export class TimeSeries<T extends InstrumentType = InstrumentType> implements TimeSeriesApi<T> {
  readonly index = 'time' as const;

  constructor(
    readonly column: ChunkedColumn<BigInt64Array, bigint>,
    readonly name: string,
    readonly type: T,
  ) {}

  /** Writes points (any order; equal times: the last given wins), atomically. */
  async append(times: TimesInput, values: InstrumentValuesInput): Promise<InstrumentWriteReport> {
    const t = timesIn(times);
    const v = valuesIn(this.type, values, t.length);
    if (t.length === 0) return { points: 0, chunks: 0 };
    const order = sortOrder(TIME_INDEX, t);
    if (order === undefined) return this.column.write(t, v);
    return this.column.write(TIME_INDEX.pick(t, order), pickValues(this.type, v, order));
  }

  /** Points in a time range, forward or reverse, up to a limit. */
  async read(range: TimeRange = {}): Promise<SeriesRows<T>> {
    const r = timeRange(range);
    const rows = await this.column.consistent(() => readColumn(this.column, r));
    return { times: timesOut(rows.index, range.timeUnit), values: rows.values as InstrumentValuesMap[T] };
  }

  /** Deletes the points in a range (retention: `{ lt: T }`); returns how many. */
  async delete(range: Omit<TimeRange, 'reverse' | 'limit' | 'timeUnit'>): Promise<number> {
    const r = timeRange(range);
    return this.column.delete({ lower: r.lower, upper: r.upper });
  }

  /** Per-bucket aggregates, or M4 points with `m4: true`, over a time range. */
  downsample(options: DownsampleOptions & { m4: true }): Promise<SeriesRows<'float64'>>;
  downsample(options?: DownsampleOptions & { m4?: false }): Promise<DownsampleResult>;
  downsample(options: DownsampleOptions): Promise<DownsampleResult | SeriesRows<'float64'>>;
  async downsample(options: DownsampleOptions = {}): Promise<DownsampleResult | SeriesRows<'float64'>> {
    if (!isNumericType(this.type)) {
      throw new KeeprError('INSTRUMENT_OP_UNSUPPORTED', `instrument ${JSON.stringify(this.name)} holds ${this.type} values, which do not downsample`, { details: { instrument: this.name, type: this.type } });
    }
    const ops = downsampleOps(options.ops);
    const r = timeRange({ gt: options.gt, gte: options.gte, lt: options.lt, lte: options.lte });
    return this.column.consistent(async () => {
      const start = r.lower !== undefined ? r.lower.e + (r.lower.inclusive ? 0n : 1n) : await this.firstTime();
      const end = r.upper !== undefined ? r.upper.e + (r.upper.inclusive ? 1n : 0n) : (await this.lastTime()) + 1n;
      const buckets = bucketsFor(start, end, options);
      await fillBuckets(this.column, r, buckets);
      if (options.m4 === true) {
        const m4 = buckets.m4();
        return { times: timesOut(m4.times, options.timeUnit), values: m4.values };
      }
      const starts = BigInt64Array.from({ length: buckets.n }, (_, i) => start + BigInt(i) * buckets.every);
      return { times: timesOut(starts, options.timeUnit), every: buckets.every, columns: buckets.columns(ops) };
    });
  }

  private async firstTime(): Promise<bigint> {
    for await (const c of this.column.chunksOver({})) return c.head.first;
    return 0n;
  }

  private async lastTime(): Promise<bigint> {
    for await (const c of this.column.chunksOver({}, true)) return c.head.last;
    return -1n;
  }

  /** Counts, bytes and the first and last time. */
  async info(): Promise<InstrumentInfo> {
    return columnInfo(this.column, this.name, async () => {
      const first = await this.firstTime();
      const last = await this.lastTime();
      return last < first ? [null, null] : [String(first), String(last)];
    });
  }
}
