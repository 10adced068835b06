/**
 * `keepr ts import`: a CSV file with a time column and value columns becomes one time series
 * per value column. The whole file is parsed and every cell checked, and every instrument's
 * kind compared, before the first point is written; points then go in batches (each one
 * atomic), so a progress bar can follow a long import.
 */
import { KeeprError } from '../../errors.js';
import { INSTRUMENT_TYPES, type InstrumentsApi, type InstrumentType } from '../../instrument/instrument-types.js';
import { assertName } from '../../keepr/names.js';
import { csvCell, parseCsv } from '../../wire/csv.js';
import { parseTimeText, valuesFromTexts } from '../../wire/instrument-values.js';

/** What to import. */
export interface ImportOptions {
  /** The time column (default: the first column). */
  readonly timeColumn?: string;
  /** Value columns to import (default: every other column). */
  readonly columns?: readonly string[];
  /** Cell type of every column, with per-column exceptions (`float64,weather=factor`). */
  readonly types: TypeSpec;
  /** Put before each column name to name its instrument. */
  readonly prefix?: string;
  /** Rows per write. */
  readonly batch: number;
  /** Called with points written so far and the total. */
  readonly onProgress?: (done: number, total: number) => void;
}

/** The cell type for every column and the exceptions. */
export interface TypeSpec {
  readonly all: InstrumentType;
  readonly byColumn: ReadonlyMap<string, InstrumentType>;
}

/** One imported column. */
export interface ImportedSeries {
  readonly column: string;
  readonly name: string;
  readonly type: InstrumentType;
  readonly points: number;
}

function bad(message: string, details: Record<string, unknown> = {}): KeeprError {
  return new KeeprError('ARGUMENT_INVALID', message, { details });
}

function instrumentType(text: string, what: string): InstrumentType {
  if (!(INSTRUMENT_TYPES as readonly string[]).includes(text)) throw bad(`${what}: ${JSON.stringify(text)} is not one of ${INSTRUMENT_TYPES.join(', ')}`);
  return text as InstrumentType;
}

/** Parses `--type`: a type for every column, and/or `column=type` entries, comma-separated. */
export function parseTypeSpec(text: string | undefined): TypeSpec {
  let all: InstrumentType = 'float64';
  const byColumn = new Map<string, InstrumentType>();
  for (const part of (text ?? '').split(',').filter((p) => p !== '')) {
    const eq = part.lastIndexOf('=');
    if (eq < 0) all = instrumentType(part, '--type');
    else byColumn.set(part.slice(0, eq), instrumentType(part.slice(eq + 1), `--type ${part.slice(0, eq)}`));
  }
  return { all, byColumn };
}

/** An instrument name for a column: the prefix and the column, other characters than A-Z a-z 0-9 . _ - as `_`. */
export function seriesName(prefix: string, column: string): string {
  const name = `${prefix}${column}`.replace(/[^A-Za-z0-9._-]/g, '_');
  assertName(name, 'instrument');
  return name;
}

/** Imports CSV text; every check happens before the first write. */
export async function importCsv(instruments: InstrumentsApi, text: string, options: ImportOptions): Promise<{ rows: number; series: ImportedSeries[] }> {
  const [head, ...rows] = parseCsv(text, 'ARGUMENT_INVALID');
  if (head === undefined) throw bad('the CSV file is empty (it needs a header row)');
  const names = head.map((f) => f.text);
  const timeColumn = options.timeColumn ?? names[0]!;
  const timeAt = names.indexOf(timeColumn);
  if (timeAt < 0) throw bad(`the CSV file has no column ${JSON.stringify(timeColumn)} (its columns: ${names.join(', ')})`, { column: timeColumn });
  const wanted = options.columns ?? names.filter((n) => n !== timeColumn);
  if (wanted.length === 0) throw bad('no value columns to import');
  for (const column of [...wanted, ...options.types.byColumn.keys()]) {
    if (!names.includes(column) || column === timeColumn) throw bad(`the CSV file has no value column ${JSON.stringify(column)} (its columns: ${names.join(', ')})`, { column });
  }
  rows.forEach((row, i) => {
    if (row.length !== names.length) throw bad(`CSV row ${i + 1} has ${row.length} fields, the header ${names.length}`, { row: i + 1 });
  });
  const times = BigInt64Array.from(rows, (row, i) => parseTimeText(row[timeAt]!.text, i + 1, 'time'));
  const plan = wanted.map((column) => {
    const at = names.indexOf(column);
    const type = options.types.byColumn.get(column) ?? options.types.all;
    return { column, name: seriesName(options.prefix ?? '', column), type, values: valuesFromTexts<InstrumentType>(type, rows.map((r) => csvCell(r[at]!))) };
  });
  const seen = new Set<string>();
  for (const p of plan) {
    if (seen.has(p.name)) throw bad(`two columns become the instrument ${JSON.stringify(p.name)}; pick one with --columns or use --prefix`, { name: p.name });
    seen.add(p.name);
  }
  // Kinds are compared before anything is created or written.
  const existing = new Map((await instruments.instruments()).map((info) => [info.name, info]));
  for (const p of plan) {
    const info = existing.get(p.name);
    if (info !== undefined && (info.type !== p.type || info.index !== 'time')) {
      throw new KeeprError('INSTRUMENT_KIND_MISMATCH', `instrument ${JSON.stringify(p.name)} exists as a ${info.type} ${info.index === 'time' ? 'time series' : 'keyed column'}, not a ${p.type} time series`, {
        details: { instrument: p.name, type: info.type, index: info.index },
      });
    }
  }
  const total = plan.length * rows.length;
  let done = 0;
  const series: ImportedSeries[] = [];
  for (const p of plan) {
    const ts = await instruments.instrument(p.name, { type: p.type, index: 'time' });
    for (let start = 0; start < rows.length; start += options.batch) {
      const end = Math.min(rows.length, start + options.batch);
      await ts.append(times.subarray(start, end), p.values.slice(start, end));
      done += end - start;
      options.onProgress?.(done, total);
    }
    series.push({ column: p.column, name: p.name, type: p.type, points: rows.length });
  }
  return { rows: rows.length, series };
}
