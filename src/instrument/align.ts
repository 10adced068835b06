/**
 * Aligned reads: several instruments of one index kind as columns of one table. An outer join
 * takes every time (or key) any of them has, NA where one has no value; an as-of join (time
 * series) takes the first one's times and, for the others, the last value at or before each
 * time, within an optional tolerance.
 */
import { KeeprError } from '../errors.js';
import { keyEncodingOption, keyOut } from '../keepr/keys.js';
import { compareBytes } from '../util/bytes.js';
import { limitOf } from './column-read.js';
import type { AlignOptions, AlignedRows, InstrumentValues, KeyRange, TimeRange } from './instrument-types.js';
import { copyCell, naColumn } from './instrument-values.js';
import type { KeyedColumn } from './keyed-column.js';
import type { Instrument } from './open-instrument.js';
import { timesOut, type TimeSeries } from './time-series.js';

function unsupported(message: string): KeeprError {
  return new KeeprError('INSTRUMENT_OP_UNSUPPORTED', message);
}

/** Reads `instruments` over one range and joins them. */
export async function alignInstruments(instruments: readonly Instrument[], options: AlignOptions = {}): Promise<AlignedRows> {
  if (instruments.length === 0) throw new KeeprError('ARGUMENT_INVALID', 'align needs at least one instrument');
  const names = instruments.map((i) => i.name);
  if (new Set(names).size !== names.length) throw new KeeprError('ARGUMENT_INVALID', 'align names an instrument twice');
  const join: unknown = options.join ?? 'outer';
  if (join !== 'outer' && join !== 'asof') throw new KeeprError('ARGUMENT_INVALID', `join must be 'outer' or 'asof'; got ${JSON.stringify(join)}`);
  const kind = instruments[0]!.index;
  if (instruments.some((i) => i.index !== kind)) throw unsupported(`align needs instruments of one index kind; ${names.join(', ')} mix time series and keyed columns`);
  if (kind === 'key') {
    if (join === 'asof') throw unsupported('an as-of join needs time series');
    return alignKeyed(instruments as KeyedColumn[], options);
  }
  const series = instruments as TimeSeries[];
  const { limit, reverse, timeUnit, tolerance, join: _join, prefix: _p, keyEncoding: _k, ...rest } = options;
  const bounds = rest as TimeRange;
  if (tolerance !== undefined && (typeof tolerance !== 'bigint' || tolerance < 0n)) throw new KeeprError('ARGUMENT_INVALID', 'tolerance must be a non-negative bigint of µs');
  // The as-of join looks back before the range's start for the other series.
  const reads = await Promise.all(series.map((s, i) => s.read(join === 'asof' && i > 0 ? { lt: bounds.lt, lte: bounds.lte } : bounds)));
  const times = reads.map((r) => r.times as BigInt64Array);
  let out: BigInt64Array;
  let columns: InstrumentValues[];
  if (join === 'outer') {
    out = unionTimes(times);
    columns = series.map((s, i) => fill(s.type, out, times[i]!, reads[i]!.values, (t, at) => at === t));
  } else {
    out = times[0]!;
    columns = series.map((s, i) => (i === 0 ? reads[0]!.values : asof(s.type, out, times[i]!, reads[i]!.values, tolerance)));
  }
  const rows = limitRows(out.length, limit, reverse === true);
  return {
    times: timesOut(rows === undefined ? out : pick64(out, rows), timeUnit),
    columns: Object.fromEntries(series.map((s, i) => [s.name, rows === undefined ? columns[i]! : pickCells(s.type, columns[i]!, rows)])),
  };
}

function unionTimes(all: readonly BigInt64Array[]): BigInt64Array {
  if (all.length === 1) return all[0]!;
  const set = new Set<bigint>();
  for (const t of all) for (const x of t) set.add(x);
  return BigInt64Array.from(set).sort();
}

/** The column of `type` at `out` times, from a series' own (sorted) times and values where `match`. */
function fill(type: Instrument['type'], out: BigInt64Array, times: BigInt64Array, values: InstrumentValues, match: (t: bigint, at: bigint) => boolean): InstrumentValues {
  if (times === out) return values;
  const col = naColumn(type, out.length);
  let j = 0;
  for (let i = 0; i < out.length; i++) {
    const t = out[i]!;
    while (j < times.length && times[j]! < t) j++;
    if (j < times.length && match(t, times[j]!)) copyCell(col, i, values, j);
  }
  return col;
}

function asof(type: Instrument['type'], out: BigInt64Array, times: BigInt64Array, values: InstrumentValues, tolerance: bigint | undefined): InstrumentValues {
  const col = naColumn(type, out.length);
  let j = -1;
  for (let i = 0; i < out.length; i++) {
    const t = out[i]!;
    while (j + 1 < times.length && times[j + 1]! <= t) j++;
    if (j >= 0 && (tolerance === undefined || t - times[j]! <= tolerance)) copyCell(col, i, values, j);
  }
  return col;
}

async function alignKeyed(columns: readonly KeyedColumn[], options: AlignOptions): Promise<AlignedRows> {
  const { limit, reverse, timeUnit: _u, tolerance: _t, join: _j, keyEncoding, ...bounds } = options;
  const binary = keyEncodingOption(keyEncoding ?? 'utf8') === 'binary';
  const reads = await Promise.all(columns.map((c) => c.read({ ...(bounds as KeyRange), keyEncoding: 'binary' })));
  const keySets = reads.map((r) => r.keys as Uint8Array[]);
  const byId = new Map<string, Uint8Array>();
  for (const ks of keySets) for (const k of ks) byId.set(Buffer.from(k).toString('latin1'), k);
  const keys = [...byId.values()].sort(compareBytes);
  const cols = columns.map((c, i) => {
    const col = naColumn(c.type, keys.length);
    const at = new Map(keySets[i]!.map((k, j) => [Buffer.from(k).toString('latin1'), j]));
    keys.forEach((k, row) => {
      const j = at.get(Buffer.from(k).toString('latin1'));
      if (j !== undefined) copyCell(col, row, reads[i]!.values, j);
    });
    return col;
  });
  const rows = limitRows(keys.length, limit, reverse === true);
  const outKeys = rows === undefined ? keys : Array.from(rows, (r) => keys[r]!);
  return {
    keys: binary ? outKeys : outKeys.map((k) => keyOut(k, 'utf8')),
    columns: Object.fromEntries(columns.map((c, i) => [c.name, rows === undefined ? cols[i]! : pickCells(c.type, cols[i]!, rows)])),
  };
}

function limitRows(n: number, limit: number | undefined, reverse: boolean): number[] | undefined {
  if (limit === undefined && !reverse) return undefined;
  const take = Math.min(n, limitOf(limit) ?? n);
  return Array.from({ length: take }, (_, i) => (reverse ? n - 1 - i : i));
}

function pick64(a: BigInt64Array, rows: readonly number[]): BigInt64Array {
  return BigInt64Array.from(rows, (r) => a[r]!);
}

function pickCells(type: Instrument['type'], values: InstrumentValues, rows: readonly number[]): InstrumentValues {
  const col = naColumn(type, rows.length);
  rows.forEach((r, i) => { copyCell(col, i, values, r); });
  return col;
}
