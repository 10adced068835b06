/**
 * W7 time series (issue 13): keepr's instrument codecs and time series store. Contenders:
 *
 * - `keepr.codecs`: the compression table (w7-compress.ts): bits per value of keepr's value
 *   codec on every real series of `vega-datasets` and on generated series, beside a Gorilla
 *   reference encoder, gzip, brotli and Arrow IPC; bits per time; bytes per point;
 * - `keepr.series`, `keepr-level.series`, `keepr-pg.series`: the speed runs (w7-speed.ts) on
 *   each engine family: durable appends, 1% range queries, M4 downsamples, peak RSS;
 * - `keepr.http-arrow`: the 1% range queries over HTTP with Arrow output.
 *
 * The table and the goals (bench/lib/w7-goals.ts) are printed by {@link report}.
 */
import { int, mib, rate, ratio, table } from '../lib/format.js';
import { measured, type ResultRow } from '../lib/result.js';
import { bitsPer, compressionLines, runCodecs, seriesOf, versusPeers } from './w7-compress.js';
import { runHttp, runSeries } from './w7-speed.js';
import { parseContender, type CaseContext, type CaseResult, type ContenderDef, type WorkloadDef, type WorkloadReport } from './types.js';

/** The families with a `.series` contender, and what the table calls them. */
const FAMILIES = [
  { family: 'keepr', engine: 'LMDB', postgres: false },
  { family: 'keepr-level', engine: 'LevelDB', postgres: false },
  { family: 'keepr-pg', engine: 'PostgreSQL', postgres: true },
] as const;

function contenders(): ContenderDef[] {
  return [
    { id: 'keepr.codecs', peers: [] },
    ...FAMILIES.map(({ family, postgres }) => ({ id: `${family}.series`, peers: [], ...(postgres ? { postgres: true } : {}) })),
    { id: 'keepr.http-arrow', peers: [] },
  ];
}

async function run(contender: string, ctx: CaseContext): Promise<CaseResult> {
  const { family, method } = parseContender(contender);
  if (contender === 'keepr.codecs') return runCodecs(ctx);
  if (contender === 'keepr.http-arrow') return runHttp(ctx);
  if (method === 'series' && FAMILIES.some((f) => f.family === family)) return runSeries(family, ctx);
  throw new Error(`w7 has no contender ${contender}`);
}

function num(row: ResultRow | undefined, field: string): number | undefined {
  const v = row?.[field];
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

function speedLines(rows: readonly ResultRow[]): string[] {
  const header = ['contender', 'engine', 'points', 'append pts/s', 'query pts/s', 'M4 pts/s', 'stored B/point', 'peak RSS', 'anon', 'heap'];
  const body: string[][] = [];
  for (const { family, engine } of FAMILIES) {
    const row = rows.find((r) => r.engine === `${family}.series`);
    if (row === undefined) continue;
    if (!measured(row)) {
      body.push([row.engine, engine, row.skipped !== undefined ? 'skipped' : 'FAILED']);
      continue;
    }
    body.push([
      row.engine,
      engine,
      int(row.ops),
      rate(row.opsPerSec),
      rate(num(row, 'queryPointsPerSec') ?? NaN),
      rate(num(row, 'downsamplePointsPerSec') ?? NaN),
      (num(row, 'storedBytesPerPoint') ?? NaN).toFixed(3),
      mib(row.peakRssMiB),
      mib(row.peakAnonMiB),
      mib(row.peakHeapMiB),
    ]);
  }
  const http = rows.find((r) => r.engine === 'keepr.http-arrow');
  const embedded = num(rows.find((r) => r.engine === 'keepr.series'), 'queryPointsPerSec');
  const lines: string[] = [];
  if (body.length > 0) lines.push(table(header, body));
  if (http !== undefined) {
    if (measured(http)) {
      const bytes = num(http, 'responseBytes') ?? NaN;
      lines.push(
        `  keepr.http-arrow: 1% query over HTTP as Arrow: ${rate(http.opsPerSec)} points/s (${ratio(embedded === undefined ? undefined : http.opsPerSec / embedded)} of the embedded query), ${(bytes / http.ops).toFixed(2)} B/point on the wire`,
      );
    } else lines.push(`  keepr.http-arrow: ${http.skipped !== undefined ? `skipped: ${http.skipped}` : 'FAILED'}`);
  }
  for (const row of rows) {
    if (row.skipped !== undefined) lines.push(`  skipped ${row.engine}: ${row.skipped}`);
    else if (row.error !== undefined) lines.push(`  FAILED ${row.engine}: ${row.error.split('\n').slice(0, 3).join(' | ')}`);
  }
  lines.push(
    '  append: durable append() calls of the walk (2 decimals, 1 s apart), points/s over the time in append(); query: 1% of the points from the middle half as typed arrays; M4: all points into 1,000 buckets, points covered/s',
    '  stored B/point: info().bytes (all chunks as stored) ÷ points; peak RSS over the whole run of the contender',
  );
  return lines;
}

function report(rows: readonly ResultRow[]): WorkloadReport {
  const codecs = rows.find((r) => r.engine === 'keepr.codecs');
  const compression = seriesOf(codecs).map((s) => {
    const v = versusPeers(s);
    const round = (x: number): number => Math.round(x * 1000) / 1000;
    return {
      series: s.name,
      kind: s.kind,
      points: s.points,
      codecs: s.codecs,
      keeprBitsPerValue: round(v.keeprBits),
      gorillaBitsPerValue: round(v.gorillaBits),
      keeprOverGorilla: round(v.ratio),
      gzipBitsPerValue: round(bitsPer(s.gzipBytes, s.points)),
      brotliBitsPerValue: round(bitsPer(s.brotliBytes, s.points)),
      arrowBitsPerValue: round(bitsPer(s.arrowBytes, s.points)),
      keeprBitsPerTime: round(bitsPer(s.keeprTimeBytes, s.points)),
      gorillaBitsPerTime: round(s.gorillaTimeBits / s.points),
    };
  });
  const lines = [
    ...(codecs === undefined ? [] : ['### compression (keepr.codecs)', ...compressionLines(measured(codecs) ? codecs : undefined)]),
    ...(codecs !== undefined && !measured(codecs) ? [`  FAILED keepr.codecs: ${(codecs.error ?? codecs.skipped ?? '').split('\n').slice(0, 3).join(' | ')}`] : []),
    '### speed',
    ...speedLines(rows.filter((r) => r.engine !== 'keepr.codecs')),
  ];
  return { lines, json: { compression } };
}

export const w7: WorkloadDef = {
  id: 'w7',
  title: 'W7 time series: compression against Gorilla, gzip, brotli and Arrow; append, 1% query and M4 downsample',
  contenders,
  run,
  report,
};
