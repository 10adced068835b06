/** The JSON line a contender's process prints, as the driver reads it back. */

export interface ResultRow {
  readonly workload: string;
  readonly engine: string;
  readonly phase?: string;
  readonly group?: string;
  readonly ops: number;
  readonly seconds: number;
  readonly opsPerSec: number;
  readonly p50Us?: number;
  readonly p99Us?: number;
  readonly peakRssMiB?: number;
  readonly peakAnonMiB?: number;
  readonly peakHeapMiB?: number;
  readonly peakHeapPlusAnonMiB?: number;
  readonly verified?: string;
  /** Set when the contender failed; the row has no numbers then. */
  readonly error?: string;
  /** Set when the contender did not run (a peer is not installed). */
  readonly skipped?: string;
  readonly [extra: string]: unknown;
}

/** True when `value` looks like a contender's result line. */
export function isResultRow(value: unknown): value is ResultRow {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return typeof v['workload'] === 'string' && typeof v['engine'] === 'string' && (typeof v['opsPerSec'] === 'number' || typeof v['error'] === 'string');
}

/** A row that carries a measurement. */
export type MeasuredRow = ResultRow & { readonly error?: undefined; readonly skipped?: undefined };

/** True when the row carries a measurement. */
export function measured(row: ResultRow | undefined): row is MeasuredRow {
  return row !== undefined && row.error === undefined && row.skipped === undefined && Number.isFinite(row.opsPerSec);
}
