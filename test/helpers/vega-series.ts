// Real time series from the vega-datasets package (a dev dependency), parsed into µs times and
// float64 values: the data the codec tests and the W7 benchmark measure compression on.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { tableFromIPC } from 'apache-arrow';

/** One real series: times in µs UTC (ascending within a series), values as float64. */
export interface VegaSeries {
  /** `file:column` plus the group (`stocks.csv:price[MSFT]`). */
  readonly name: string;
  readonly times: BigInt64Array;
  readonly values: Float64Array;
  /** The column's type in the file: decimals as written, or integers. */
  readonly kind: 'decimal' | 'integer' | 'float32';
}

const require = createRequire(import.meta.url);
/** Folder of the vega-datasets data files. */
export const VEGA_DATA = join(dirname(require.resolve('vega-datasets')), '..', 'data');

/** Parses the date forms the files use, always as UTC, to µs. */
export function vegaTime(text: string): bigint {
  let iso = text.trim();
  if (/^\d{4}$/.test(iso)) iso = `${iso}-01-01T00:00:00Z`;
  else if (/^\d{4}-\d{2}-\d{2}$/.test(iso)) iso = `${iso}T00:00:00Z`;
  else if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$/.test(iso)) iso = `${iso}Z`;
  else iso = `${iso} UTC`; // "Jan 1 2000"
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) throw new Error(`vega-series: unparsable date ${JSON.stringify(text)}`);
  return BigInt(ms) * 1000n;
}

function csv(file: string): string[][] {
  return readFileSync(join(VEGA_DATA, file), 'utf8')
    .split(/\r?\n/)
    .filter((line) => line.length > 0)
    .map((line) => line.split(','));
}

/** Columns `valueColumns` of a CSV against its `timeColumn`, one series per value of `groupColumn`. */
function csvSeries(file: string, timeColumn: string, valueColumns: readonly string[], groupColumn?: string): VegaSeries[] {
  const [header, ...rows] = csv(file);
  const col = (name: string): number => {
    const i = header!.indexOf(name);
    if (i < 0) throw new Error(`vega-series: ${file} has no column ${name}`);
    return i;
  };
  const groups = new Map<string, string[][]>();
  for (const row of rows) {
    const g = groupColumn === undefined ? '' : row[col(groupColumn)]!;
    const members = groups.get(g);
    if (members === undefined) groups.set(g, [row]);
    else members.push(row);
  }
  const out: VegaSeries[] = [];
  for (const [group, members] of groups) {
    members.sort((a, b) => (vegaTime(a[col(timeColumn)]!) < vegaTime(b[col(timeColumn)]!) ? -1 : 1));
    for (const column of valueColumns) {
      const texts = members.map((r) => r[col(column)]!);
      out.push({
        name: `${file}:${column}${group === '' ? '' : `[${group}]`}`,
        times: BigInt64Array.from(members, (r) => vegaTime(r[col(timeColumn)]!)),
        values: Float64Array.from(texts, Number),
        kind: texts.every((t) => /^-?\d+$/.test(t)) ? 'integer' : 'decimal',
      });
    }
  }
  return out;
}

/** The flights-200k.arrow columns (int16 delay and distance, float32 time of day), one point a second from 2001-01-01. */
function flightSeries(): VegaSeries[] {
  const table = tableFromIPC(readFileSync(join(VEGA_DATA, 'flights-200k.arrow')));
  const start = vegaTime('2001-01-01');
  return (['delay', 'distance', 'time'] as const).map((name) => {
    const column = table.getChild(name)!;
    const values = Float64Array.from(column.toArray() as ArrayLike<number>);
    return {
      name: `flights-200k.arrow:${name}`,
      times: BigInt64Array.from(values, (_, i) => start + BigInt(i) * 1_000_000n),
      values,
      kind: name === 'time' ? ('float32' as const) : ('integer' as const),
    };
  });
}

let cached: VegaSeries[] | undefined;

/** Every real series the tests and W7 use: numeric columns of the vega-datasets time series files. */
export function vegaSeries(): VegaSeries[] {
  cached ??= [
    ...csvSeries('seattle-weather.csv', 'date', ['precipitation', 'temp_max', 'temp_min', 'wind']),
    ...csvSeries('seattle-weather-hourly-normals.csv', 'date', ['pressure', 'temperature', 'wind']),
    ...csvSeries('co2-concentration.csv', 'Date', ['CO2', 'adjusted CO2']),
    ...csvSeries('global-temp.csv', 'year', ['temp']),
    ...csvSeries('iowa-electricity.csv', 'year', ['net_generation'], 'source'),
    ...csvSeries('sp500.csv', 'date', ['price']),
    ...csvSeries('stocks.csv', 'date', ['price'], 'symbol'),
    ...csvSeries('weather.csv', 'date', ['precipitation', 'temp_max', 'temp_min', 'wind'], 'location'),
    ...flightSeries(),
  ];
  return cached;
}
