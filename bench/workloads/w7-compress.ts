/**
 * W7's compression table (contender `keepr.codecs`): for every real series of `vega-datasets`
 * and every generated series, the bytes keepr's codecs take beside its peers on the same values:
 *
 * - keepr: `encodeValues('float64', …)` and `encodeTimes(…)` on chunks of {@link CHUNK_POINTS}
 *   points (as the store chunks a series), bytes summed; the codec each chunk picked;
 * - Gorilla (bench/lib/gorilla.ts, the paper's algorithm) on the whole series at once (no
 *   restart per block: the reference at its smallest), values and delta-of-delta times;
 * - gzip (level 9) and brotli (quality 11, the maximum) of the raw little-endian float64 bytes;
 * - Arrow: the IPC stream of a one-column table (`tableFromArrays({ value })`, `tableToIPC(…,
 *   'stream')`), schema message included.
 *
 * Every keepr chunk is decoded and compared bit for bit, and every Gorilla stream decoded and
 * compared, before a size counts.
 */
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import { tableFromArrays, tableToIPC } from 'apache-arrow';
import { decodeTimes, decodeValues, encodeTimes, encodeValues, valueCodecName } from '../../src/instrument/codec/index.js';
import { CHUNK_POINTS } from '../../src/index.js';
import { gorillaTimes, gorillaValues, ungorillaTimes, ungorillaValues } from '../lib/gorilla.js';
import { int, rate, table } from '../lib/format.js';
import type { ResultRow } from '../lib/result.js';
import { nowUs } from '../lib/stats.js';
import { generatedSeries, realSeries, type Series } from './w7-data.js';
import type { CaseContext, CaseResult } from './types.js';

/** Points per chunk, as the store cuts a series appended in order. */
export { CHUNK_POINTS };

/** One line of the table: sizes in bytes (Gorilla in bits: it is a bit stream). */
export interface SeriesSizes {
  readonly name: string;
  readonly kind: 'real' | 'generated';
  readonly points: number;
  /** Codecs keepr picked, with their chunk counts: `alp` or `alp 97, xor 1`. */
  readonly codecs: string;
  readonly keeprValueBytes: number;
  readonly keeprTimeBytes: number;
  readonly gorillaValueBits: number;
  readonly gorillaTimeBits: number;
  readonly gzipBytes: number;
  readonly brotliBytes: number;
  readonly arrowBytes: number;
}

function sameBits(a: Float64Array, b: Float64Array): boolean {
  if (a.length !== b.length) return false;
  return Buffer.compare(Buffer.from(a.buffer, a.byteOffset, a.byteLength), Buffer.from(b.buffer, b.byteOffset, b.byteLength)) === 0;
}

function sameTimes(a: BigInt64Array, b: BigInt64Array): boolean {
  return a.length === b.length && a.every((t, i) => t === b[i]);
}

/** keepr's sizes for one series, chunk by chunk, each chunk decoded and checked; µs spent encoding and decoding values. */
function keeprSizes(s: Series): { valueBytes: number; timeBytes: number; codecs: string; encodeUs: number; decodeUs: number } {
  let valueBytes = 0;
  let timeBytes = 0;
  let encodeUs = 0;
  let decodeUs = 0;
  const codecs = new Map<string, number>();
  for (let from = 0; from < s.values.length; from += CHUNK_POINTS) {
    // Copies: an encoder may rely on a chunk's own buffer, as the store hands it one.
    const values = s.values.slice(from, from + CHUNK_POINTS);
    const times = s.times.slice(from, from + CHUNK_POINTS);
    const t = nowUs();
    const vbytes = encodeValues('float64', values);
    encodeUs += nowUs() - t;
    const tbytes = encodeTimes(times);
    const t2 = nowUs();
    const decoded = decodeValues('float64', vbytes, values.length);
    decodeUs += nowUs() - t2;
    if (!sameBits(decoded, values)) throw new Error(`${s.name}: keepr's value codec did not round-trip the chunk at ${from}`);
    if (!sameTimes(decodeTimes(tbytes, times.length), times)) throw new Error(`${s.name}: keepr's time codec did not round-trip the chunk at ${from}`);
    valueBytes += vbytes.length;
    timeBytes += tbytes.length;
    const name = valueCodecName(vbytes);
    codecs.set(name, (codecs.get(name) ?? 0) + 1);
  }
  const chunks = [...codecs].sort((a, b) => b[1] - a[1]);
  return { valueBytes, timeBytes, codecs: chunks.length === 1 ? chunks[0]![0] : chunks.map(([n, c]) => `${n} ${c}`).join(', '), encodeUs, decodeUs };
}

/** The sizes of one series under every encoding. */
function measure(s: Series): SeriesSizes & { encodeUs: number; decodeUs: number } {
  const keepr = keeprSizes(s);
  const gv = gorillaValues(s.values);
  if (!sameBits(ungorillaValues(gv.words, s.values.length), s.values)) throw new Error(`${s.name}: the Gorilla value stream did not decode back`);
  const gt = gorillaTimes(s.times);
  if (!sameTimes(ungorillaTimes(gt.words, s.times.length), s.times)) throw new Error(`${s.name}: the Gorilla time stream did not decode back`);
  const raw = Buffer.from(s.values.buffer, s.values.byteOffset, s.values.byteLength);
  const brotli = brotliCompressSync(raw, {
    params: { [constants.BROTLI_PARAM_QUALITY]: constants.BROTLI_MAX_QUALITY, [constants.BROTLI_PARAM_SIZE_HINT]: raw.length },
  });
  const arrow = tableToIPC(tableFromArrays({ value: s.values.slice() }), 'stream');
  return {
    name: s.name,
    kind: s.kind,
    points: s.values.length,
    codecs: keepr.codecs,
    keeprValueBytes: keepr.valueBytes,
    keeprTimeBytes: keepr.timeBytes,
    gorillaValueBits: gv.bits,
    gorillaTimeBits: gt.bits,
    gzipBytes: gzipSync(raw, { level: 9 }).length,
    brotliBytes: brotli.length,
    arrowBytes: arrow.length,
    encodeUs: keepr.encodeUs,
    decodeUs: keepr.decodeUs,
  };
}

/** The `keepr.codecs` contender: the table's numbers as the row's `series` field. */
export async function runCodecs(ctx: CaseContext): Promise<CaseResult> {
  ctx.mem.start();
  const all = [...realSeries(ctx.sizes.w7RealPoints), ...generatedSeries(ctx.seed, ctx.sizes.w7GeneratedPoints)];
  const series: SeriesSizes[] = [];
  let values = 0;
  let encodeUs = 0;
  let decodeUs = 0;
  for (const s of all) {
    const { encodeUs: enc, decodeUs: dec, ...sizes } = measure(s);
    series.push(sizes);
    values += s.values.length;
    encodeUs += enc;
    decodeUs += dec;
    ctx.mem.sample();
  }
  ctx.mem.freeze();
  return {
    ops: values,
    seconds: encodeUs / 1e6,
    chunkPoints: CHUNK_POINTS,
    decodeSeconds: decodeUs / 1e6,
    decodeValuesPerSec: values / (decodeUs / 1e6),
    series,
    verified: `every keepr chunk (values and times) and every Gorilla stream of ${all.length} series decoded back bit for bit`,
  };
}

/** The row's `series` field, if it has one. */
export function seriesOf(row: ResultRow | undefined): SeriesSizes[] {
  const v = row?.['series'];
  return Array.isArray(v) ? (v as SeriesSizes[]) : [];
}

/** Bits per value (or point) of `bytes` over `points`. */
export function bitsPer(bytes: number, points: number): number {
  return points === 0 ? NaN : (bytes * 8) / points;
}

/** keepr's bits/value over Gorilla's, and both byte counts against brotli's. */
export function versusPeers(s: SeriesSizes): { keeprBits: number; gorillaBits: number; ratio: number; gorillaBytes: number } {
  const keeprBits = bitsPer(s.keeprValueBytes, s.points);
  const gorillaBits = s.points === 0 ? NaN : s.gorillaValueBits / s.points;
  return { keeprBits, gorillaBits, ratio: keeprBits / gorillaBits, gorillaBytes: Math.ceil(s.gorillaValueBits / 8) };
}

/** Bytes per (time, value) point keepr stores, codecs only (chunk framing excluded). */
export function bytesPerPoint(s: SeriesSizes): number {
  return s.points === 0 ? NaN : (s.keeprValueBytes + s.keeprTimeBytes) / s.points;
}

/** The compression table's lines. */
export function compressionLines(row: ResultRow | undefined): string[] {
  const list = seriesOf(row);
  if (list.length === 0) return ['compression: keepr.codecs did not run'];
  const b = (x: number): string => (Number.isFinite(x) ? x.toFixed(2) : '-');
  const header = ['series', 'points', 'keepr codec', 'keepr b/v', 'Gorilla b/v', 'keepr ÷ Gorilla', 'gzip b/v', 'brotli b/v', 'Arrow b/v', 'keepr b/time', 'Gorilla b/time', 'keepr B/point'];
  const body = list.map((s) => {
    const v = versusPeers(s);
    return [
      `${s.kind === 'generated' ? '* ' : ''}${s.name}`,
      int(s.points),
      s.codecs,
      b(v.keeprBits),
      b(v.gorillaBits),
      `${b(v.ratio)}×`,
      b(bitsPer(s.gzipBytes, s.points)),
      b(bitsPer(s.brotliBytes, s.points)),
      b(bitsPer(s.arrowBytes, s.points)),
      b(bitsPer(s.keeprTimeBytes, s.points)),
      b(s.gorillaTimeBits / s.points),
      b(bytesPerPoint(s)),
    ];
  });
  const real = list.filter((s) => s.kind === 'real');
  const sum = (f: (s: SeriesSizes) => number): number => real.reduce((a, s) => a + f(s), 0);
  const points = sum((s) => s.points);
  const totals =
    real.length === 0
      ? []
      : [
          `  all real series (${real.length}, ${int(points)} values): keepr ${b(bitsPer(sum((s) => s.keeprValueBytes), points))}, Gorilla ${b(sum((s) => s.gorillaValueBits) / points)}, gzip ${b(bitsPer(sum((s) => s.gzipBytes), points))}, brotli ${b(bitsPer(sum((s) => s.brotliBytes), points))}, Arrow ${b(bitsPer(sum((s) => s.arrowBytes), points))} bits/value`,
        ];
  return [
    table(header, body),
    ...totals,
    `  keepr float64 value codec over all series, chunks of ${int(CHUNK_POINTS)}: encode ${rate(row?.opsPerSec ?? NaN)} values/s, decode ${rate(typeof row?.['decodeValuesPerSec'] === 'number' ? row['decodeValuesPerSec'] : NaN)} values/s`,
    `  b/v: bits per value; keepr in chunks of ${int(CHUNK_POINTS)} points (codec bytes summed, chunk framing excluded); Gorilla on the whole series; gzip -9, brotli q11 of the raw float64 bytes; Arrow: IPC stream of one float64 column`,
    '  b/time: bits per timestamp (keepr time codec vs Gorilla delta-of-delta); B/point: keepr bytes per (time, value) point; * generated series',
  ];
}
