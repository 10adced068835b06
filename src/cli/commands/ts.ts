/**
 * `keepr ts …`: instruments from the command line: `ls`, `import` (CSV columns as time series),
 * `export` (CSV or Arrow, several instruments as aligned columns), `query` (a range or a
 * downsample, as a table or JSON) and `drop`. Range flags carry the HTTP query's names.
 */
import { Option, type Command } from 'commander';
import { KeeprError } from '../../errors.js';
import type { DownsampleOp, InstrumentApi, InstrumentInfo, InstrumentKey, InstrumentsApi } from '../../instrument/instrument-types.js';
import { DOWNSAMPLE_OPS } from '../../instrument/instrument-types.js';
import { fromBase64Url } from '../../wire/state-wire.js';
import { parseTimeText, type TimeText } from '../../wire/instrument-values.js';
import { tableCsv, tableJson, tableRows, type AnswerOptions, type AnswerTable, type KeyText } from '../../wire/instrument-table.js';
import { startProgress } from '../lib/progress.js';
import { importCsv, parseTypeSpec } from '../lib/ts-import.js';
import { dirOption, positiveInt, printJSON, readInput, withStore, writeOutput, writeStdout, type DirOptions } from './common.js';

interface RangeFlags extends DirOptions {
  readonly gt?: string;
  readonly gte?: string;
  readonly lt?: string;
  readonly lte?: string;
  readonly prefix?: string;
  readonly limit?: number;
  readonly reverse?: boolean;
  readonly timeFormat?: TimeText;
  readonly keyEncoding?: KeyText;
  readonly json?: boolean;
}

interface QueryFlags extends RangeFlags {
  readonly downsample?: number;
  readonly every?: string;
  readonly m4?: boolean;
  readonly ops?: string;
}

interface ExportFlags extends RangeFlags {
  readonly output?: string;
  readonly format?: 'csv' | 'arrow';
}

interface ImportFlags extends DirOptions {
  readonly timeColumn?: string;
  readonly columns?: string;
  readonly type?: string;
  readonly prefix?: string;
  readonly batch?: number;
  readonly json?: boolean;
}

const BOUNDS = ['gt', 'gte', 'lt', 'lte'] as const;

/** The range flags every reading command takes. */
function rangeOptions(command: Command): Command {
  return command
    .option('--gt <bound>', 'only points after this (µs or ISO-8601; a key for a keyed column)')
    .option('--gte <bound>', 'only points from this on')
    .option('--lt <bound>', 'only points before this')
    .option('--lte <bound>', 'only points up to this')
    .option('-p, --prefix <prefix>', 'keyed columns: only keys starting with this')
    .option('-n, --limit <n>', 'at most this many points', positiveInt('--limit'))
    .option('-r, --reverse', 'descending order')
    .addOption(new Option('--time-format <format>', 'times in CSV and JSON: us (µs integers), ms or iso').choices(['us', 'ms', 'iso']).default('us'))
    .addOption(new Option('--key-encoding <encoding>', 'keyed columns: how keys are written in bounds and output').choices(['utf8', 'hex', 'base64url']).default('utf8'))
    .addOption(dirOption());
}

function timeBounds(flags: RangeFlags): Partial<Record<(typeof BOUNDS)[number], bigint>> {
  const out: Partial<Record<(typeof BOUNDS)[number], bigint>> = {};
  for (const name of BOUNDS) {
    const text = flags[name];
    if (text === undefined) continue;
    try {
      out[name] = parseTimeText(text);
    } catch (err) {
      throw new KeeprError('ARGUMENT_INVALID', `--${name}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
    }
  }
  return out;
}

function keyOf(text: string, encoding: KeyText, flag: string): InstrumentKey {
  if (encoding === 'utf8') return text;
  const bytes = encoding === 'hex' ? (/^(?:[0-9a-fA-F]{2})*$/.test(text) ? new Uint8Array(Buffer.from(text, 'hex')) : undefined) : fromBase64Url(text);
  if (bytes === undefined) throw new KeeprError('ARGUMENT_INVALID', `${flag} is not ${encoding} text`);
  return bytes;
}

function keyBounds(flags: RangeFlags): Partial<Record<(typeof BOUNDS)[number] | 'prefix', InstrumentKey>> {
  const out: Partial<Record<(typeof BOUNDS)[number] | 'prefix', InstrumentKey>> = {};
  for (const name of [...BOUNDS, 'prefix'] as const) {
    const text = flags[name];
    if (text !== undefined) out[name] = keyOf(text, flags.keyEncoding ?? 'utf8', `--${name}`);
  }
  return out;
}

function order(flags: RangeFlags): { reverse?: boolean; limit?: number } {
  return { ...(flags.reverse === true ? { reverse: true } : {}), ...(flags.limit === undefined ? {} : { limit: flags.limit }) };
}

function textOptions(flags: RangeFlags): AnswerOptions {
  return { timeText: flags.timeFormat ?? 'us', keyText: flags.keyEncoding ?? 'utf8' };
}

/** One instrument's rows in a range as a table whose value column carries the instrument's name. */
async function readTable(instrument: InstrumentApi, flags: RangeFlags, column: string): Promise<AnswerTable> {
  if (instrument.index === 'time') {
    if (flags.prefix !== undefined) throw new KeeprError('ARGUMENT_INVALID', '--prefix is for keyed columns');
    const rows = await instrument.read({ ...timeBounds(flags), ...order(flags) });
    return { times: rows.times as BigInt64Array, columns: [{ name: column, type: instrument.type, values: rows.values }], shape: 'rows' };
  }
  const rows = await instrument.read({ ...keyBounds(flags), ...order(flags), keyEncoding: flags.keyEncoding === 'utf8' || flags.keyEncoding === undefined ? 'utf8' : 'binary' });
  return { keys: rows.keys, columns: [{ name: column, type: instrument.type, values: rows.values }], shape: 'rows' };
}

/** Several instruments as aligned columns (outer join), or one read when there is one. */
async function exportTable(instruments: InstrumentsApi, names: readonly string[], flags: RangeFlags): Promise<AnswerTable> {
  const handles = await Promise.all(names.map((name) => instruments.instrument(name, { create: false })));
  if (handles.length === 1) return readTable(handles[0]!, flags, names[0]!);
  const keyed = handles[0]!.index === 'key';
  // Keyed columns: the embedded align hands key bounds and prefix to each column's read.
  const rows = await instruments.align(names, { ...(keyed ? keyBounds(flags) : timeBounds(flags)), ...order(flags) });
  const columns = handles.map((h) => ({ name: h.name, type: h.type, values: rows.columns[h.name]! }));
  return rows.times !== undefined ? { times: rows.times as BigInt64Array, columns, shape: 'columns' } : { keys: rows.keys ?? [], columns, shape: 'columns' };
}

/** Tab-separated lines with a header, for people (NA as NA; tabs and line ends in strings as spaces). */
function tsv(table: AnswerTable, options: AnswerOptions): string {
  return tableRows(table, options)
    .map((row) => `${row.map((cell) => (cell === null ? 'NA' : cell.replace(/[\t\r\n]/g, ' '))).join('\t')}\n`)
    .join('');
}

function infoLines(infos: readonly InstrumentInfo[]): string {
  const head = ['NAME', 'INDEX', 'TYPE', 'POINTS', 'CHUNKS', 'BYTES', 'FIRST', 'LAST'];
  const rows = infos.map((i) => [i.name, i.index, i.type, String(i.points), String(i.chunks), String(i.bytes), i.first ?? '-', i.last ?? '-']);
  const widths = head.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c]!.length)));
  return [head, ...rows].map((r) => `${r.map((cell, c) => (c === r.length - 1 ? cell : cell.padEnd(widths[c]!))).join('  ')}\n`).join('');
}

function opsOf(text: string | undefined): DownsampleOp[] | undefined {
  if (text === undefined) return undefined;
  const ops = text.split(',');
  for (const op of ops) if (!(DOWNSAMPLE_OPS as readonly string[]).includes(op)) throw new KeeprError('ARGUMENT_INVALID', `--ops: ${JSON.stringify(op)} is not one of ${DOWNSAMPLE_OPS.join(', ')}`);
  return ops as DownsampleOp[];
}

async function query(instruments: InstrumentsApi, name: string, flags: QueryFlags): Promise<AnswerTable> {
  const instrument = await instruments.instrument(name, { create: false });
  if (flags.downsample === undefined && flags.every === undefined) {
    if (flags.m4 === true || flags.ops !== undefined) throw new KeeprError('ARGUMENT_INVALID', '--m4 and --ops go with --downsample <n> or --every <µs>');
    return readTable(instrument, flags, 'value');
  }
  if (instrument.index !== 'time') throw new KeeprError('INSTRUMENT_OP_UNSUPPORTED', `instrument ${JSON.stringify(name)} is a keyed column; only time series downsample`);
  const ops = opsOf(flags.ops);
  const every = flags.every === undefined ? undefined : /^\d+$/.test(flags.every) ? BigInt(flags.every) : undefined;
  if (flags.every !== undefined && every === undefined) throw new KeeprError('ARGUMENT_INVALID', '--every must be a whole number of µs');
  const result = await instrument.downsample({
    ...timeBounds(flags),
    ...(flags.downsample === undefined ? {} : { buckets: flags.downsample }),
    ...(every === undefined ? {} : { every }),
    ...(ops === undefined ? {} : { ops }),
    ...(flags.m4 === true ? { m4: true } : {}),
  });
  if ('columns' in result) {
    const columns = Object.entries(result.columns).map(([op, values]) => ({ name: op, type: 'float64' as const, values }));
    return { times: result.times as BigInt64Array, columns, shape: 'columns', every: result.every };
  }
  return { times: result.times as BigInt64Array, columns: [{ name: 'value', type: 'float64', values: result.values }], shape: 'rows' };
}

/** Registers `ts` and its subcommands on the program. */
export function registerTs(program: Command): void {
  const ts = program.command('ts').description('instruments (time series and keyed columns): list, import CSV, export CSV or Arrow, query ranges and downsamples, drop');
  ts.command('ls')
    .description('list the instruments: name, index, type, points, chunks, bytes, first and last index')
    .option('--json', 'print { instruments: [{ name, type, index, points, chunks, bytes, first, last }] }')
    .addOption(dirOption())
    .action(async (flags: DirOptions & { json?: boolean }) => {
      const infos = await withStore(flags, (store) => store.instruments(), true);
      if (flags.json === true) await printJSON({ instruments: infos });
      else if (infos.length > 0) await writeStdout(infoLines(infos));
    });
  ts.command('import')
    .description('import a CSV file: a time column and value columns, each value column as one time series named after it (created when missing)')
    .argument('[file]', 'CSV file with a header row; stdin when omitted or -')
    .option('--time-column <name>', 'the time column: µs integers or ISO-8601 dates and times (default: the first column)')
    .option('--columns <names>', 'comma-separated value columns to import (default: all others)')
    .option('--type <types>', 'cell type of the instruments (default float64); column=type entries set one column (float64,weather=factor)')
    .option('--prefix <text>', 'put before each column name to name its instrument (characters other than A-Z a-z 0-9 . _ - become _)')
    .option('--batch <rows>', 'rows per write (default 100000)', positiveInt('--batch'))
    .option('--json', 'print { rows, series: [{ column, name, type, points }] }')
    .addOption(dirOption())
    .action(async (file: string | undefined, flags: ImportFlags) => {
      const text = (await readInput(file)).toString('utf8');
      const types = parseTypeSpec(flags.type);
      const result = await withStore(flags, async (store) => {
        const progress = startProgress({ label: 'import', total: 0 });
        try {
          return await importCsv(store, text, {
            ...(flags.timeColumn === undefined ? {} : { timeColumn: flags.timeColumn }),
            ...(flags.columns === undefined ? {} : { columns: flags.columns.split(',') }),
            types,
            ...(flags.prefix === undefined ? {} : { prefix: flags.prefix }),
            batch: flags.batch ?? 100_000,
            onProgress: (done, total) => {
              progress.setTotal(total);
              progress.update(done);
            },
          });
        } finally {
          progress.stop();
        }
      });
      if (flags.json === true) await printJSON(result);
      else await writeStdout(result.series.map((s) => `${s.name}\t${s.type}\t${s.points} points\n`).join(''));
    });
  rangeOptions(
    ts
      .command('export')
      .description('write instruments as CSV (a header row: time or key, then one column per instrument, NA as empty cells) or an Arrow IPC stream; several instruments are aligned (outer join)')
      .argument('<names...>', 'instrument names (all of one index kind)')
      .option('-o, --output <file>', 'output file; stdout when omitted or -')
      .addOption(new Option('--format <format>', 'csv or arrow').choices(['csv', 'arrow']).default('csv')),
  ).action(async (names: string[], flags: ExportFlags) => {
    if (flags.format === 'arrow' && (flags.output === undefined || flags.output === '-') && process.stdout.isTTY) throw new KeeprError('ARGUMENT_INVALID', 'refusing to write an Arrow stream to a terminal: give -o or redirect stdout');
    const table = await withStore(flags, (store) => exportTable(store, names, flags), true);
    if (flags.format === 'arrow') {
      const index = table.times !== undefined ? { name: 'time', type: 'time' as const, values: table.times } : { name: 'key', type: 'key' as const, values: table.keys ?? [] };
      // Loaded here: apache-arrow is the slowest module to load, and only this export needs it.
      const { arrowStream } = await import('../../server/instrument-arrow.js');
      await writeOutput(flags.output, await arrowStream([index, ...table.columns]));
    } else {
      await writeOutput(flags.output, tableCsv(table, textOptions(flags)));
    }
  });
  rangeOptions(
    ts
      .command('query')
      .description('print the points of an instrument in a range (tab-separated with a header), or a downsample of a time series')
      .argument('<name>', 'instrument name')
      .option('--downsample <n>', 'n equal buckets over the range: per bucket min, max, mean, sum, count, first, last', positiveInt('--downsample'))
      .option('--every <us>', 'buckets this many µs wide instead of --downsample n')
      .option('--ops <ops>', `comma-separated aggregates among ${DOWNSAMPLE_OPS.join(', ')}`)
      .option('--m4', 'per bucket the first, min, max and last points (for plots) instead of aggregates')
      .option('--json', 'print { times|keys, values } or { times, every, columns } as the HTTP API does'),
  ).action(async (name: string, flags: QueryFlags) => {
    const table = await withStore(flags, (store) => query(store, name, flags), true);
    await writeStdout(flags.json === true ? `${tableJson(table, textOptions(flags))}\n` : tsv(table, textOptions(flags)));
  });
  ts.command('drop')
    .description('delete an instrument with all its points (exit 2 when it is not there)')
    .argument('<name>', 'instrument name')
    .option('--json', 'print { dropped: true }')
    .addOption(dirOption())
    .action(async (name: string, flags: DirOptions & { json?: boolean }) => {
      const dropped = await withStore(flags, (store) => store.dropInstrument(name), true);
      if (!dropped) throw new KeeprError('INSTRUMENT_NOT_FOUND', `instrument ${JSON.stringify(name)} does not exist`, { details: { instrument: name } });
      if (flags.json === true) await printJSON({ dropped: true });
    });
}
