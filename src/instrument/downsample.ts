/**
 * Downsampling of a time series into equal time buckets: aggregates (min, max, mean, sum, count,
 * first, last) or M4 (first, min, max and last point of each bucket). A chunk that lies inside
 * one bucket is folded in from its header summary without decoding, so a wide downsample reads
 * headers only; chunks that straddle a bucket edge are decoded.
 */
import { KeeprError } from '../errors.js';
import type { ChunkSummary } from './chunk.js';
import type { ChunkedColumn, IndexRange } from './chunked-column.js';
import { DOWNSAMPLE_OPS, type DownsampleOp, type DownsampleOptions } from './instrument-types.js';
import { timesAsNumbers } from './instrument-index.js';
import { FLOAT64_NA, valuesAsNumbers } from './instrument-values.js';

const SAFE = 2n ** 53n;

/** Most buckets one downsample may produce. */
export const MAX_BUCKETS = 1_000_000;

/** Per-bucket accumulators (M4 needs the times of first, min, max and last too). */
export class Buckets {
  readonly count: Float64Array;
  readonly sum: Float64Array;
  readonly min: Float64Array;
  readonly max: Float64Array;
  readonly first: Float64Array;
  readonly last: Float64Array;
  readonly minAt: BigInt64Array;
  readonly maxAt: BigInt64Array;
  readonly firstAt: BigInt64Array;
  readonly lastAt: BigInt64Array;
  /** Start and width fit doubles exactly. */
  readonly safe: boolean;

  constructor(
    readonly start: bigint,
    readonly every: bigint,
    readonly n: number,
  ) {
    this.safe = start > -SAFE && start < SAFE && every < SAFE;
    this.count = new Float64Array(n);
    this.sum = new Float64Array(n);
    this.min = new Float64Array(n).fill(Infinity);
    this.max = new Float64Array(n).fill(-Infinity);
    this.first = new Float64Array(n).fill(Number.NaN);
    this.last = new Float64Array(n).fill(Number.NaN);
    this.minAt = new BigInt64Array(n);
    this.maxAt = new BigInt64Array(n);
    this.firstAt = new BigInt64Array(n);
    this.lastAt = new BigInt64Array(n);
  }

  /** The bucket of a time, or -1 outside all buckets. */
  bucketOf(t: bigint): number {
    if (t < this.start) return -1;
    const b = Number((t - this.start) / this.every);
    return b < this.n ? b : -1;
  }

  /** Folds a run's or a whole chunk's summary in (it lies inside bucket b and follows what came before). */
  addSummary(b: number, s: ChunkSummary): void {
    if (s.values === 0) return;
    if (this.count[b] === 0) {
      this.first[b] = s.first;
      this.firstAt[b] = s.firstAt;
    }
    this.count[b]! += s.values;
    this.sum[b]! += s.sum;
    this.last[b] = s.last;
    this.lastAt[b] = s.lastAt;
    if (s.min < this.min[b]!) {
      this.min[b] = s.min;
      this.minAt[b] = s.minAt;
    }
    if (s.max > this.max[b]!) {
      this.max[b] = s.max;
      this.maxAt[b] = s.maxAt;
    }
  }

  /** The requested aggregate columns; NA where a bucket is empty (count is 0 there). */
  columns(ops: readonly DownsampleOp[]): Partial<Record<DownsampleOp, Float64Array>> {
    const out: Partial<Record<DownsampleOp, Float64Array>> = {};
    const empty = (col: Float64Array): Float64Array => col.map((v, i) => (this.count[i] === 0 ? FLOAT64_NA : v));
    for (const op of ops) {
      if (op === 'count') out.count = this.count.slice();
      else if (op === 'mean') out.mean = empty(this.sum.map((s, i) => s / (this.count[i] || 1)));
      else out[op] = empty(this[op]);
    }
    return out;
  }

  /** M4 points: per non-empty bucket its first, min, max and last point, in time order, without repeats. */
  m4(): { times: BigInt64Array; values: Float64Array } {
    const times: bigint[] = [];
    const values: number[] = [];
    for (let b = 0; b < this.n; b++) {
      if (this.count[b] === 0) continue;
      const pts: [bigint, number][] = [
        [this.firstAt[b]!, this.first[b]!],
        [this.minAt[b]!, this.min[b]!],
        [this.maxAt[b]!, this.max[b]!],
        [this.lastAt[b]!, this.last[b]!],
      ];
      pts.sort((x, y) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0));
      for (let i = 0; i < pts.length; i++) {
        if (i > 0 && pts[i]![0] === pts[i - 1]![0]) continue;
        times.push(pts[i]![0]);
        values.push(pts[i]![1]);
      }
    }
    return { times: BigInt64Array.from(times), values: Float64Array.from(values) };
  }
}

/** The aggregates asked for, checked (default: all of them). */
export function downsampleOps(ops: unknown): readonly DownsampleOp[] {
  if (ops === undefined) return DOWNSAMPLE_OPS;
  if (!Array.isArray(ops) || ops.length === 0 || ops.some((op) => !(DOWNSAMPLE_OPS as readonly unknown[]).includes(op))) {
    throw new KeeprError('ARGUMENT_INVALID', `ops must be a non-empty list of ${DOWNSAMPLE_OPS.join(', ')}`, { details: { ops: typeof ops } });
  }
  return ops as DownsampleOp[];
}

/**
 * The buckets of a downsample over [start, end): `every` µs wide, or `buckets` equal ones
 * (default 1,000). Throws ARGUMENT_INVALID for a bad width or count.
 */
export function bucketsFor(start: bigint, end: bigint, options: Pick<DownsampleOptions, 'buckets' | 'every'>): Buckets {
  const span = end > start ? end - start : 0n;
  let every: bigint;
  if (options.every !== undefined) {
    if (typeof options.every !== 'bigint' || options.every <= 0n) throw new KeeprError('ARGUMENT_INVALID', 'every must be a positive bigint of µs');
    every = options.every;
  } else {
    const buckets = options.buckets ?? 1000;
    if (!Number.isInteger(buckets) || buckets < 1 || buckets > MAX_BUCKETS) throw new KeeprError('ARGUMENT_INVALID', `buckets must be an integer from 1 to ${MAX_BUCKETS}`);
    every = span === 0n ? 1n : (span + BigInt(buckets) - 1n) / BigInt(buckets);
  }
  const n = span === 0n ? 0 : Number((span + every - 1n) / every);
  if (n > MAX_BUCKETS) throw new KeeprError('ARGUMENT_INVALID', `the range holds ${n} buckets of ${every} µs; at most ${MAX_BUCKETS}`);
  return new Buckets(start, every, n);
}

/** Folds every point of `range` into `buckets`, from chunk summaries where a chunk fits one bucket. */
export async function fillBuckets(column: ChunkedColumn<BigInt64Array, bigint>, range: IndexRange<bigint>, buckets: Buckets): Promise<void> {
  if (buckets.n === 0) return;
  const { type } = column;
  for await (const chunk of column.chunksOver(range)) {
    const { head } = chunk;
    const b = buckets.bucketOf(head.first);
    if (b >= 0 && b === buckets.bucketOf(head.last) && head.summary !== undefined && inside(range, head.first, head.last)) {
      buckets.addSummary(b, head.summary);
      continue;
    }
    const { index, values } = column.columns(chunk);
    const [s, e] = column.span(index, range);
    const numbers = valuesAsNumbers(type, values);
    // Bucket numbers in doubles, exact while times and widths stay below 2^53 µs.
    const t = buckets.safe && head.first > -SAFE && head.last < SAFE ? timesAsNumbers(index) : undefined;
    foldRuns(buckets, index, numbers, t, s, e);
  }
}

/** Folds points [s, e) in, one run of consecutive points per bucket at a time. */
function foldRuns(buckets: Buckets, index: BigInt64Array, numbers: Float64Array, t: Float64Array | undefined, s: number, e: number): void {
  const startN = Number(buckets.start);
  const everyN = Number(buckets.every);
  let bucket = -1;
  let count = 0;
  let sum = 0;
  let min = Infinity;
  let max = -Infinity;
  let minI = 0;
  let maxI = 0;
  let firstI = 0;
  let lastI = 0;
  const flush = (): void => {
    if (count === 0 || bucket < 0 || bucket >= buckets.n) return;
    const at = (i: number): bigint => index[i]!;
    buckets.addSummary(bucket, { values: count, min, max, sum, first: numbers[firstI]!, last: numbers[lastI]!, minAt: at(minI), maxAt: at(maxI), firstAt: at(firstI), lastAt: at(lastI) });
  };
  for (let i = s; i < e; i++) {
    const v = numbers[i]!;
    if (v !== v) continue;
    const b = t !== undefined ? Math.floor((t[i]! - startN) / everyN) : buckets.bucketOf(index[i]!);
    if (b !== bucket) {
      flush();
      bucket = b;
      count = 0;
      sum = 0;
      min = Infinity;
      max = -Infinity;
    }
    if (count === 0) firstI = i;
    count++;
    sum += v;
    lastI = i;
    if (v < min) {
      min = v;
      minI = i;
    }
    if (v > max) {
      max = v;
      maxI = i;
    }
  }
  flush();
}

function inside(range: IndexRange<bigint>, first: bigint, last: bigint): boolean {
  const { lower, upper } = range;
  if (lower !== undefined && (first < lower.e || (first === lower.e && !lower.inclusive))) return false;
  if (upper !== undefined && (last > upper.e || (last === upper.e && !upper.inclusive))) return false;
  return true;
}
