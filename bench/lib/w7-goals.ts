/**
 * W7's goals (the issue's): on every real series keepr's value codec takes at most half of
 * Gorilla's bits per value and never more bytes than brotli; at most 2 bytes per (time, value)
 * point on the generated series; and, for keepr on LMDB, ingest ≥ 5M points/s durable, a 1%
 * range query ≥ 50M points/s decoded and an M4 downsample of all points ≥ 100M points/s.
 */
import { bytesPerPoint, seriesOf, versusPeers } from '../workloads/w7-compress.js';
import { int, rate, ratio } from './format.js';
import type { Goal } from './goals.js';
import { measured, type ResultRow } from './result.js';

/** keepr's bits per value at most this share of Gorilla's, on every real series. */
export const GORILLA_SHARE = 0.5;
/** Bytes per (time, value) point on the generated data. */
export const BYTES_PER_POINT = 2;
/** Points per second: ingest, 1% query, M4 downsample (keepr on LMDB). */
export const SPEED_GOALS = { ingest: 5e6, query: 50e6, downsample: 100e6 } as const;

function num(row: ResultRow | undefined, name: string): number | undefined {
  const v = row?.[name];
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

/** The goals, when W7 was part of the run. */
export function w7Goals(rows: readonly ResultRow[]): Goal[] {
  const workload = 'w7';
  const codecs = rows.find((r) => r.workload === workload && r.engine === 'keepr.codecs');
  const speed = rows.find((r) => r.workload === workload && r.engine === 'keepr.series');
  const goals: Goal[] = [];
  if (codecs !== undefined) {
    const list = measured(codecs) ? seriesOf(codecs) : [];
    if (list.length === 0) goals.push({ workload, target: `keepr ≤ ${GORILLA_SHARE}× Gorilla bits/value and ≤ brotli bytes on every real series`, actual: 'not measured (keepr.codecs did not run)', met: undefined });
    for (const s of list) {
      if (s.kind === 'real') {
        const v = versusPeers(s);
        goals.push({
          workload,
          target: `${s.name}: keepr ≤ ${GORILLA_SHARE}× Gorilla bits/value and ≤ brotli bytes`,
          actual: `${v.keeprBits.toFixed(2)} vs ${v.gorillaBits.toFixed(2)} bits/value = ${ratio(v.ratio)}; ${int(s.keeprValueBytes)} vs brotli ${int(s.brotliBytes)} B`,
          met: v.ratio <= GORILLA_SHARE && s.keeprValueBytes <= s.brotliBytes,
        });
      } else {
        const b = bytesPerPoint(s);
        goals.push({ workload, target: `${s.name} (generated): ≤ ${BYTES_PER_POINT} bytes per (time, value) point`, actual: `${b.toFixed(3)} B/point`, met: b <= BYTES_PER_POINT });
      }
    }
  }
  if (speed !== undefined) {
    const check = (field: string, goal: number, what: string): void => {
      const value = num(speed, field);
      const target = `keepr (LMDB) ${what} ≥ ${rate(goal)} points/s`;
      if (!measured(speed) || value === undefined) goals.push({ workload, target, actual: 'not measured (keepr.series did not run)', met: undefined });
      else goals.push({ workload, target, actual: `${rate(value)} points/s`, met: value >= goal });
    };
    check('opsPerSec', SPEED_GOALS.ingest, 'durable append');
    check('queryPointsPerSec', SPEED_GOALS.query, '1% range query as typed arrays');
    check('downsamplePointsPerSec', SPEED_GOALS.downsample, 'M4 downsample into 1,000 buckets');
  }
  return goals;
}
