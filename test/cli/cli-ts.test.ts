import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { tableFromIPC } from 'apache-arrow';
import { beforeAll, describe, expect, it } from 'vitest';
import { open } from '../../src/store/index.js';
import { makeTmpDir } from '../helpers/tmp-dir.js';
import { VEGA_DATA, vegaSeries } from '../helpers/vega-series.js';
import { ensureBuilt, fails, keepr, ok } from './helpers.js';

beforeAll(() => {
  ensureBuilt();
}, 120_000);

const SEATTLE = join(VEGA_DATA, 'seattle-weather.csv');
const COLUMNS = ['precipitation', 'temp_max', 'temp_min', 'wind'] as const;

/** A store with seattle-weather.csv imported: four float64 series and the weather as a factor. */
function imported(): string {
  const dir = join(makeTmpDir(), 'db');
  const out = JSON.parse(ok(['ts', 'import', SEATTLE, '--type', 'float64,weather=factor', '--batch', '500', '--json', '--dir', dir]).toString()) as {
    rows: number;
    series: { column: string; name: string; type: string; points: number }[];
  };
  expect(out.rows).toBe(1461);
  expect(out.series.map((s) => [s.name, s.type, s.points])).toEqual([...COLUMNS.map((c) => [c, 'float64', 1461]), ['weather', 'factor', 1461]]);
  return dir;
}

describe('keepr ts on the real seattle-weather series', () => {
  it('imports, lists and exports CSV with the values of the file', () => {
    const dir = imported();
    const listed = JSON.parse(ok(['ts', 'ls', '--json', '--dir', dir]).toString()) as { instruments: { name: string; type: string; index: string; points: number }[] };
    expect(listed.instruments.map((i) => [i.name, i.type, i.index, i.points])).toEqual([
      ['precipitation', 'float64', 'time', 1461],
      ['temp_max', 'float64', 'time', 1461],
      ['temp_min', 'float64', 'time', 1461],
      ['weather', 'factor', 'time', 1461],
      ['wind', 'float64', 'time', 1461],
    ]);
    expect(ok(['ts', 'ls', '--dir', dir]).toString().split('\n')[0]).toMatch(/^NAME\s+INDEX\s+TYPE\s+POINTS\s+CHUNKS\s+BYTES\s+FIRST\s+LAST$/);
    const [head, ...rows] = ok(['ts', 'export', ...COLUMNS, 'weather', '--dir', dir]).toString().trimEnd().split('\n');
    expect(head).toBe('time,precipitation,temp_max,temp_min,wind,weather');
    const series = vegaSeries().filter((s) => s.name.startsWith('seattle-weather.csv:'));
    expect(series).toHaveLength(4);
    for (const [c, column] of COLUMNS.entries()) {
      const real = series.find((s) => s.name === `seattle-weather.csv:${column}`)!;
      expect(rows.map((r) => BigInt(r.split(',')[0]!))).toEqual([...real.times]);
      expect(Float64Array.from(rows, (r) => Number(r.split(',')[c + 1]))).toEqual(real.values);
    }
    expect(rows.slice(0, 2).map((r) => r.split(',')[5])).toEqual(['drizzle', 'rain']);
  });

  it('exports Arrow to a file, bit for bit the values of the file', () => {
    const dir = imported();
    const file = join(makeTmpDir(), 'w.arrow');
    ok(['ts', 'export', 'temp_max', 'wind', '--format', 'arrow', '-o', file, '--dir', dir]);
    const table = tableFromIPC(readFileSync(file));
    expect(table.schema.fields.map((f) => f.name)).toEqual(['time', 'temp_max', 'wind']);
    const real = vegaSeries().find((s) => s.name === 'seattle-weather.csv:wind')!;
    expect(table.getChild('wind')!.toArray()).toEqual(real.values);
    expect(table.numRows).toBe(real.times.length);
  });

  it('queries ranges and downsamples, as the library does', async () => {
    const dir = imported();
    expect(ok(['ts', 'query', 'temp_max', '--gte', '2015-12-30', '--time-format', 'iso', '--dir', dir]).toString()).toBe('time\tvalue\n2015-12-30T00:00:00.000000Z\t5.6\n2015-12-31T00:00:00.000000Z\t5.6\n');
    expect(JSON.parse(ok(['ts', 'query', 'temp_max', '--lt', '2012-01-04', '--reverse', '--limit', '2', '--json', '--dir', dir]).toString())).toEqual({ times: ['1325548800000000', '1325462400000000'], values: [11.7, 10.6] });
    const cli = JSON.parse(ok(['ts', 'query', 'temp_max', '--downsample', '4', '--ops', 'min,max', '--json', '--dir', dir]).toString()) as { times: string[]; every: string; columns: Record<string, number[]> };
    const m4 = JSON.parse(ok(['ts', 'query', 'wind', '--downsample', '3', '--m4', '--json', '--dir', dir]).toString()) as { times: string[]; values: number[] };
    const store = await open(dir);
    try {
      const ts = await store.instrument('temp_max', { create: false });
      if (ts.index !== 'time') throw new Error('a time series');
      const lib = await ts.downsample({ buckets: 4, ops: ['min', 'max'] });
      if (!('columns' in lib)) throw new Error('aggregates');
      expect(cli).toEqual({ times: Array.from(lib.times, String), every: String(lib.every), columns: { min: [...lib.columns.min!], max: [...lib.columns.max!] } });
      const wind = await store.instrument('wind', { create: false });
      if (wind.index !== 'time') throw new Error('a time series');
      const libM4 = await wind.downsample({ buckets: 3, m4: true });
      expect(m4.times).toEqual(Array.from(libM4.times, String));
    } finally {
      await store.close();
    }
    const table = ok(['ts', 'query', 'temp_max', '--downsample', '2', '--ops', 'max', '--dir', dir]).toString().split('\n');
    expect(table[0]).toBe('time\tmax');
  });

  it('refuses a bad file whole, drops, and exits 2 for a missing instrument', () => {
    const dir = imported();
    const bad = 'date,x\n2012-01-01,1\n2012-01-02,one\n';
    fails(['ts', 'import', '-', '--dir', dir], 1, 'INSTRUMENT_VALUES_INVALID', { input: bad });
    fails(['ts', 'import', '-', '--time-column', 'when', '--dir', dir], 1, 'ARGUMENT_INVALID', { input: bad });
    fails(['ts', 'import', SEATTLE, '--columns', 'wind', '--type', 'float32', '--dir', dir], 1, 'INSTRUMENT_KIND_MISMATCH');
    expect((JSON.parse(ok(['ts', 'ls', '--json', '--dir', dir]).toString()) as { instruments: unknown[] }).instruments).toHaveLength(5);
    ok(['ts', 'drop', 'weather', '--dir', dir]);
    fails(['ts', 'drop', 'weather', '--dir', dir], 2, 'INSTRUMENT_NOT_FOUND');
    fails(['ts', 'query', 'weather', '--dir', dir], 2, 'INSTRUMENT_NOT_FOUND');
    fails(['ts', 'query', 'wind', '--gte', 'soon', '--dir', dir], 1, 'ARGUMENT_INVALID');
    expect(keepr(['ts', 'export', 'wind', '--format', 'xml', '--dir', dir]).code).toBe(1);
  });

  it('round-trips an export through import, NA and strings included, with a prefix', () => {
    const dir = join(makeTmpDir(), 'db');
    const csv = 'time,level,note\n2024-03-01T00:00:00Z,1.5,"a, b"\n2024-03-01T01:00:00Z,NA,\n2024-03-01T02:00:00Z,-0,""\n';
    ok(['ts', 'import', '-', '--type', 'float64,note=string', '--prefix', 'x.', '--dir', dir], { input: csv });
    const out = ok(['ts', 'export', 'x.level', 'x.note', '--time-format', 'iso', '--dir', dir]).toString();
    expect(out).toBe('time,x.level,x.note\n2024-03-01T00:00:00.000000Z,1.5,"a, b"\n2024-03-01T01:00:00.000000Z,,\n2024-03-01T02:00:00.000000Z,-0,""\n');
  });
});
