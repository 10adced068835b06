/**
 * W7's speed runs: `w7Points` (time, float64) points of the random walk (2 decimals, one a
 * second) appended through a real store in calls of `w7Append` points (durable: the store's
 * default), then `w7Queries` range queries of 1% of the points (somewhere in the middle half)
 * returned as typed arrays, then `w7Downsamples` M4 downsamples of all the points into 1,000
 * buckets. Contenders `<family>.series` for the families keepr (LMDB), keepr-level and
 * keepr-pg; `keepr.http-arrow` appends the same points and then runs the 1% queries over HTTP
 * (a keepr server on 127.0.0.1, `Accept: application/vnd.apache.arrow.stream`, decoded with
 * apache-arrow).
 *
 * Answers: every query returns exactly its points, first and last checked against the walk;
 * one query's every point is compared bit for bit after the timed phase; every downsample
 * holds the walk's first, last, minimum and maximum values and at most 4 points per bucket.
 */
import type { AddressInfo } from 'node:net';
import { tableFromIPC } from 'apache-arrow';
import type { FastifyInstance } from 'fastify';
import type { Store, TimeSeriesApi } from '../../src/index.js';
import { buildServer } from '../../src/server/index.js';
import { createAdapter } from '../engines/index.js';
import { KeeprAdapter } from '../engines/keepr.js';
import { Rng } from '../lib/data.js';
import { nowUs } from '../lib/stats.js';
import { SECOND_US, T0, WALK_START_CENTS, walk } from './w7-data.js';
import type { CaseContext, CaseResult } from './types.js';

/** The instrument every speed run writes. */
export const INSTRUMENT = 'w7';
/** Buckets of the M4 downsample. */
export const BUCKETS = 1000;
/** The Arrow IPC stream media type. */
export const ARROW_STREAM = 'application/vnd.apache.arrow.stream';

/** What the appends left behind, to check reads against. */
interface Written {
  readonly points: number;
  /** Cents before the first point of each append call (the walk restarts there). */
  readonly startCents: number[];
  readonly min: number;
  readonly max: number;
  readonly first: number;
  readonly last: number;
  readonly appendSeconds: number;
  readonly wallSeconds: number;
}

function timeSeries(store: Store): Promise<TimeSeriesApi> {
  return store.instrument(INSTRUMENT, { type: 'float64', index: 'time' });
}

/** Appends the walk in calls of `w7Append` points; each call's points are made before its timer starts. */
async function append(series: TimeSeriesApi, ctx: CaseContext): Promise<Written> {
  const n = ctx.sizes.w7Points;
  const batch = Math.min(ctx.sizes.w7Append, n);
  const startCents: number[] = [];
  let cents = WALK_START_CENTS;
  let min = Infinity;
  let max = -Infinity;
  let first = NaN;
  let last = NaN;
  let appendUs = 0;
  const wall = nowUs();
  for (let from = 0; from < n; from += batch) {
    startCents.push(cents);
    const w = walk(ctx.seed, from, Math.min(batch, n - from), cents);
    cents = w.cents;
    for (const v of w.values) {
      if (v < min) min = v;
      if (v > max) max = v;
    }
    if (from === 0) first = w.values[0]!;
    last = w.values[w.values.length - 1]!;
    ctx.mem.sample();
    const t = nowUs();
    await series.append(w.times, w.values);
    appendUs += nowUs() - t;
  }
  return { points: n, startCents, min, max, first, last, appendSeconds: appendUs / 1e6, wallSeconds: (nowUs() - wall) / 1e6 };
}

/** Points `from` to `from + count - 1` of the walk as written. */
function expected(ctx: CaseContext, written: Written, from: number, count: number): Float64Array {
  const batch = Math.min(ctx.sizes.w7Append, written.points);
  const b = Math.floor(from / batch);
  const start = b * batch;
  return walk(ctx.seed, start, from - start + count, written.startCents[b]!).values.subarray(from - start);
}

/** The 1% ranges queried: `count` points each, starting somewhere in the middle half. */
function ranges(ctx: CaseContext, points: number, repeats: number): { from: number; count: number }[] {
  const count = Math.max(1, Math.floor(points / 100));
  const rng = new Rng(ctx.seed ^ 0x7e7);
  const lo = Math.floor(points / 4);
  const span = Math.max(1, Math.floor(points / 2) - count);
  return Array.from({ length: repeats }, () => ({ from: lo + rng.below(span), count }));
}

function bounds(from: number, count: number): { gte: bigint; lt: bigint } {
  return { gte: BigInt(T0 + from * SECOND_US), lt: BigInt(T0 + (from + count) * SECOND_US) };
}

/** Throws unless `values` has `count` points whose first and last are the walk's. */
function checkRange(ctx: CaseContext, written: Written, from: number, count: number, values: ArrayLike<number>, firstTime: bigint | undefined, what: string): void {
  if (values.length !== count) throw new Error(`${what}: ${values.length} points for a range of ${count}`);
  const want = expected(ctx, written, from, count);
  if (!Object.is(values[0], want[0]) || !Object.is(values[count - 1], want[count - 1])) throw new Error(`${what}: the values at the ends of the range differ from those written`);
  if (firstTime !== undefined && firstTime !== BigInt(T0 + from * SECOND_US)) throw new Error(`${what}: the first time is ${String(firstTime)}, not ${T0 + from * SECOND_US}`);
}

function float64(values: unknown, what: string): Float64Array {
  if (!(values instanceof Float64Array)) throw new Error(`${what}: values are not a Float64Array`);
  return values;
}

/** The `<family>.series` contender: append, 1% queries, M4 downsamples. */
export async function runSeries(family: string, ctx: CaseContext): Promise<CaseResult> {
  const adapter = createAdapter(family);
  if (!(adapter instanceof KeeprAdapter)) throw new Error(`${family} is not a keepr family`);
  await adapter.open(ctx.dir);
  try {
    const series = await timeSeries(adapter.store);
    ctx.mem.start();
    const written = await append(series, ctx);

    const queries = ranges(ctx, written.points, ctx.sizes.w7Queries);
    let queryUs = 0;
    let queried = 0;
    let kept: { from: number; values: Float64Array } | undefined;
    for (const [i, q] of queries.entries()) {
      const t = nowUs();
      const rows = await series.read(bounds(q.from, q.count));
      queryUs += nowUs() - t;
      const values = float64(rows.values, 'range query');
      const t0 = rows.times[0];
      checkRange(ctx, written, q.from, q.count, values, typeof t0 === 'bigint' ? t0 : undefined, `range query ${i}`);
      queried += values.length;
      if (i === 0) kept = { from: q.from, values };
      ctx.mem.sample();
    }

    let downsampleUs = 0;
    let m4Points = 0;
    const all = { gte: BigInt(T0), lt: BigInt(T0 + written.points * SECOND_US) };
    for (let i = 0; i < ctx.sizes.w7Downsamples; i++) {
      const t = nowUs();
      const result = await series.downsample({ ...all, buckets: BUCKETS, m4: true });
      downsampleUs += nowUs() - t;
      if (!('values' in result)) throw new Error('downsample with m4 returned aggregates, not points');
      const values = float64(result.values, 'M4 downsample');
      if (values.length > 4 * BUCKETS || values.length < Math.min(BUCKETS, written.points)) throw new Error(`M4 downsample: ${values.length} points for ${BUCKETS} buckets`);
      if (values[0] !== written.first || values[values.length - 1] !== written.last) throw new Error('M4 downsample: first or last point is not the walk’s');
      if (Math.min(...values) !== written.min || Math.max(...values) !== written.max) throw new Error('M4 downsample: minimum or maximum is not the walk’s');
      m4Points = values.length;
      ctx.mem.sample();
    }
    ctx.mem.freeze();
    const info = await series.info();
    if (info.points !== written.points) throw new Error(`info() counts ${info.points} points, ${written.points} were appended`);
    if (kept !== undefined) {
      const want = expected(ctx, written, kept.from, kept.values.length);
      if (Buffer.compare(Buffer.from(kept.values.buffer, kept.values.byteOffset, kept.values.byteLength), Buffer.from(want.buffer, want.byteOffset, want.byteLength)) !== 0) {
        throw new Error('range query 0: a value differs from the one written');
      }
    }
    const querySeconds = queryUs / 1e6;
    const downsampleSeconds = downsampleUs / 1e6;
    return {
      ops: written.points,
      seconds: written.appendSeconds,
      appendCalls: written.startCents.length,
      appendWallSeconds: written.wallSeconds,
      queries: queries.length,
      queryPoints: queried,
      querySeconds,
      queryPointsPerSec: queried / querySeconds,
      downsamples: ctx.sizes.w7Downsamples,
      downsampleSeconds,
      downsamplePointsPerSec: (written.points * ctx.sizes.w7Downsamples) / downsampleSeconds,
      m4Points,
      storedBytes: info.bytes,
      chunks: info.chunks,
      storedBytesPerPoint: info.bytes / written.points,
      verified: `info() counts all ${written.points} points; ${queries.length} queries of ${queries[0]?.count ?? 0} points each with both ends checked, the first compared byte for byte; ${ctx.sizes.w7Downsamples} M4 downsamples hold the walk's first, last, min and max`,
    };
  } finally {
    await adapter.close();
  }
}

/** The `keepr.http-arrow` contender: the same points, the 1% queries over HTTP as Arrow. */
export async function runHttp(ctx: CaseContext): Promise<CaseResult> {
  const adapter = createAdapter('keepr');
  if (!(adapter instanceof KeeprAdapter)) throw new Error('keepr is not a keepr family');
  await adapter.open(ctx.dir);
  let app: FastifyInstance | undefined;
  try {
    const series = await timeSeries(adapter.store);
    const written = await append(series, ctx);
    app = buildServer(adapter.store, { metrics: false });
    await app.listen({ host: '127.0.0.1', port: 0 });
    const { port } = app.server.address() as AddressInfo;
    const base = `http://127.0.0.1:${port}/v1/instruments/${INSTRUMENT}/points`;
    const get = async (from: number, count: number, what: string): Promise<{ values: Float64Array; bytes: number }> => {
      const { gte, lt } = bounds(from, count);
      const res = await fetch(`${base}?gte=${gte}&lt=${lt}`, { headers: { accept: ARROW_STREAM } });
      const body = new Uint8Array(await res.arrayBuffer());
      if (res.status !== 200) throw new Error(`${what}: HTTP ${res.status}: ${Buffer.from(body.subarray(0, 300)).toString('utf8')}`);
      if (!(res.headers.get('content-type') ?? '').startsWith(ARROW_STREAM)) throw new Error(`${what}: content-type ${String(res.headers.get('content-type'))}`);
      const decoded = tableFromIPC(body);
      const time = decoded.getChild('time');
      const value = decoded.getChild('value');
      if (time === null || value === null) throw new Error(`${what}: the Arrow table has no time or value column`);
      const values = float64(value.toArray(), what);
      // Timestamp(µs) and Int64 columns both give their raw µs as a BigInt64Array (get() would give ms).
      const times: unknown = time.toArray();
      if (!(times instanceof BigInt64Array)) throw new Error(`${what}: the time column is not 64-bit µs`);
      if (times.length !== values.length) throw new Error(`${what}: ${times.length} times for ${values.length} values`);
      checkRange(ctx, written, from, count, values, times[0], what);
      return { values, bytes: body.length };
    };
    const queries = ranges(ctx, written.points, ctx.sizes.w7Queries);
    await get(queries[0]!.from, queries[0]!.count, 'warm-up query');
    ctx.mem.start();
    let us = 0;
    let points = 0;
    let bytes = 0;
    for (const [i, q] of queries.entries()) {
      const t = nowUs();
      const got = await get(q.from, q.count, `HTTP query ${i}`);
      us += nowUs() - t;
      points += got.values.length;
      bytes += got.bytes;
      ctx.mem.sample();
    }
    ctx.mem.freeze();
    return {
      ops: points,
      seconds: us / 1e6,
      queries: queries.length,
      responseBytes: bytes,
      appendSeconds: written.appendSeconds,
      verified: `${queries.length} Arrow responses of ${queries[0]?.count ?? 0} points each decoded with apache-arrow, both ends and the first time checked against the walk`,
    };
  } finally {
    await app?.close();
    await adapter.close();
  }
}
